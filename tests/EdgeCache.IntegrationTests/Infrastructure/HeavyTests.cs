namespace EdgeCache.IntegrationTests.Infrastructure;

/// <summary>
/// Tests that keep both cores busy (packaging, a fleet of 40 edges) run alone, after the others, so
/// timing-sensitive tests never share the machine with them.
/// </summary>
[CollectionDefinition(nameof(HeavyTests), DisableParallelization = true)]
public sealed class HeavyTests;
