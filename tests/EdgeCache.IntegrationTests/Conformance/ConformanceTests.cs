namespace EdgeCache.IntegrationTests.Conformance;

// One theory per area so xunit runs the areas in parallel; each row is one rule, named with its RFC section.
// Run them all:  dotnet test tests/EdgeCache.IntegrationTests -c Release --filter "FullyQualifiedName~Conformance"
// One area:      --filter "FullyQualifiedName~Conformance.VaryConformance"
// One case:      --filter "DisplayName~max-stale"

public sealed class ConformanceTableTests
{
    [Fact]
    public void Case_names_are_unique_and_every_case_has_steps()
    {
        var all = ConformanceCases.All;
        Assert.True(all.Count >= 100, $"only {all.Count} cases");
        Assert.Empty(all.GroupBy(c => c.Name).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.All(all, c => Assert.NotEmpty(c.Steps));
    }
}

public sealed class FreshnessConformance
{
    public static TheoryData<ConformanceCase> Cases => ConformanceCases.InGroup("Freshness");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Rule(ConformanceCase rule) => ConformanceRunner.RunAsync(rule);
}

public sealed class TargetedConformance
{
    public static TheoryData<ConformanceCase> Cases => ConformanceCases.InGroup("Targeted");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Rule(ConformanceCase rule) => ConformanceRunner.RunAsync(rule);
}

public sealed class ValidationConformance
{
    public static TheoryData<ConformanceCase> Cases => ConformanceCases.InGroup("Validation");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Rule(ConformanceCase rule) => ConformanceRunner.RunAsync(rule);
}

public sealed class ConditionalsConformance
{
    public static TheoryData<ConformanceCase> Cases => ConformanceCases.InGroup("Conditionals");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Rule(ConformanceCase rule) => ConformanceRunner.RunAsync(rule);
}

public sealed class RequestDirectivesConformance
{
    public static TheoryData<ConformanceCase> Cases => ConformanceCases.InGroup("Request");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Rule(ConformanceCase rule) => ConformanceRunner.RunAsync(rule);
}

public sealed class VaryConformance
{
    public static TheoryData<ConformanceCase> Cases => ConformanceCases.InGroup("Vary");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Rule(ConformanceCase rule) => ConformanceRunner.RunAsync(rule);
}

public sealed class StaleConformance
{
    public static TheoryData<ConformanceCase> Cases => ConformanceCases.InGroup("Stale");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Rule(ConformanceCase rule) => ConformanceRunner.RunAsync(rule);
}

public sealed class RangesConformance
{
    public static TheoryData<ConformanceCase> Cases => ConformanceCases.InGroup("Ranges");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Rule(ConformanceCase rule) => ConformanceRunner.RunAsync(rule);
}

public sealed class InvalidationConformance
{
    public static TheoryData<ConformanceCase> Cases => ConformanceCases.InGroup("Invalidation");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Rule(ConformanceCase rule) => ConformanceRunner.RunAsync(rule);
}

public sealed class MethodsConformance
{
    public static TheoryData<ConformanceCase> Cases => ConformanceCases.InGroup("Methods");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Rule(ConformanceCase rule) => ConformanceRunner.RunAsync(rule);
}

public sealed class HeadersConformance
{
    public static TheoryData<ConformanceCase> Cases => ConformanceCases.InGroup("Headers");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Rule(ConformanceCase rule) => ConformanceRunner.RunAsync(rule);
}
