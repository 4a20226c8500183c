using EdgeCache.Cli;

return await EdgeCacheCommand.RunAsync(args, Console.Out, Console.Error);
