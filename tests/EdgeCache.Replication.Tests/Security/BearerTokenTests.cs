using EdgeCache.Replication.Security;

namespace EdgeCache.Replication.Tests.Security;

public sealed class BearerTokenTests
{
    private const string Secret = "s3cret-token";

    [Fact]
    public void The_right_token_is_accepted()
    {
        var token = new BearerToken(Secret);

        Assert.True(token.IsConfigured);
        Assert.True(token.IsAuthorized("Bearer " + Secret));
    }

    [Fact]
    public void Whitespace_around_the_presented_token_is_ignored()
    {
        var token = new BearerToken(Secret);

        Assert.True(token.IsAuthorized("Bearer   " + Secret + "  "));
    }

    [Theory]
    [InlineData("Bearer s3cret-tokeN")]
    [InlineData("Bearer x3cret-token")]
    [InlineData("Bearer S3CRET-TOKEN")]
    public void A_wrong_token_of_the_same_length_is_rejected(string header)
    {
        var token = new BearerToken(Secret);

        Assert.False(token.IsAuthorized(header));
    }

    [Theory]
    [InlineData("Bearer s3cret-toke")]
    [InlineData("Bearer s3cret-token2")]
    [InlineData("Bearer s3cret-token s3cret-token")]
    [InlineData("Bearer ")]
    [InlineData("Bearer")]
    public void A_token_of_the_wrong_length_is_rejected(string header)
    {
        var token = new BearerToken(Secret);

        Assert.False(token.IsAuthorized(header));
    }

    [Theory]
    [InlineData(Secret)]
    [InlineData("Basic " + Secret)]
    [InlineData("Token " + Secret)]
    [InlineData("Bearer" + Secret)]
    [InlineData(" Bearer " + Secret)]
    public void A_header_without_the_bearer_scheme_is_rejected(string header)
    {
        var token = new BearerToken(Secret);

        Assert.False(token.IsAuthorized(header));
    }

    [Fact]
    public void An_empty_header_is_rejected()
    {
        var token = new BearerToken(Secret);

        Assert.False(token.IsAuthorized(string.Empty));
        Assert.False(token.IsAuthorized(ReadOnlySpan<char>.Empty));
    }

    [Theory]
    [InlineData("bearer ")]
    [InlineData("BEARER ")]
    [InlineData("bEaReR ")]
    public void The_scheme_is_case_insensitive(string scheme)
    {
        var token = new BearerToken(Secret);

        Assert.True(token.IsAuthorized(scheme + Secret));
    }

    [Fact]
    public void A_header_longer_than_the_limit_is_rejected_without_throwing()
    {
        var token = new BearerToken(Secret);

        Assert.False(token.IsAuthorized("Bearer " + new string('a', 10_000)));
    }

    [Fact]
    public void A_token_with_non_ascii_characters_is_compared_as_utf8()
    {
        var token = new BearerToken("pässwörd-✓");

        Assert.True(token.IsAuthorized("Bearer pässwörd-✓"));
        Assert.False(token.IsAuthorized("Bearer passwort-✓"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void An_unset_token_is_not_configured_and_rejects_every_header(string? configured)
    {
        var token = new BearerToken(configured);

        Assert.False(token.IsConfigured);
        Assert.False(token.IsAuthorized(string.Empty));
        Assert.False(token.IsAuthorized("Bearer "));
        Assert.False(token.IsAuthorized("Bearer"));
        Assert.False(token.IsAuthorized("Bearer " + Secret));
        Assert.False(token.IsAuthorized("Bearer null"));
    }
}
