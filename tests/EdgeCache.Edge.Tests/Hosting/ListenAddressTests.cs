using System.Net;
using EdgeCache.Edge.Hosting;

namespace EdgeCache.Edge.Tests.Hosting;

public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("http://127.0.1.1:8080", false, "127.0.1.1", 8080)]
    [InlineData("https://0.0.0.0:443", true, "0.0.0.0", 443)]
    [InlineData("https://[::1]:0", true, "::1", 0)]
    [InlineData("http://10.0.0.5", false, "10.0.0.5", 80)]
    [InlineData("https://[::]", true, "::", 443)]
    [InlineData("HTTP://127.0.0.1:1/", false, "127.0.0.1", 1)]
    public void An_address_names_its_scheme_IP_and_port(string text, bool https, string ip, int port)
    {
        var address = Assert.Single(ListenAddress.ParseList(text, out var problems));

        Assert.Empty(problems);
        Assert.Equal(new ListenAddress(https, IPAddress.Parse(ip), false, port), address);
    }

    [Fact]
    public void Several_addresses_are_separated_by_commas_or_semicolons_and_star_is_every_interface()
    {
        var addresses = ListenAddress.ParseList("http://*:80, https://127.0.0.1:0;https://localhost:8443", out var problems);

        Assert.Empty(problems);
        Assert.Equal(
            [new ListenAddress(false, null, false, 80), new ListenAddress(true, IPAddress.Loopback, false, 0), new ListenAddress(true, null, true, 8443)],
            addresses);
    }

    [Theory]
    [InlineData("127.0.0.1:8080", "must start with http:// or https://")]
    [InlineData("ftp://127.0.0.1:21", "must start with http:// or https://")]
    [InlineData("http://127.0.0.1:99999", "has no valid port")]
    [InlineData("http://127.0.0.1:-1", "has no valid port")]
    [InlineData("http://127.0.0.1:http", "has no valid port")]
    [InlineData("http://edge.example:80", "must name an IP address, localhost or *")]
    [InlineData("http://::1:80", "must name an IP address, localhost or *")]
    [InlineData("http://localhost:0", "cannot pick a free port for localhost")]
    public void Anything_else_is_named_with_its_problem(string text, string problem)
    {
        ListenAddress.ParseList("http://127.0.0.1:1," + text, out var problems);

        Assert.Equal($"listen address '{text}' {problem}", Assert.Single(problems)[..($"listen address '{text}' ".Length + problem.Length)]);
    }

    [Fact]
    public void An_empty_list_is_a_problem()
    {
        Assert.Empty(ListenAddress.ParseList(" , ", out var problems));
        Assert.Contains("no listen address", Assert.Single(problems));
    }
}
