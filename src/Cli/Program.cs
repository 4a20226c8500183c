using EdgeCache.Cli;

return await EdgeCacheCommand.RunAsync(args);
