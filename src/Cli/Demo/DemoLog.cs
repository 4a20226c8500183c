using Microsoft.Extensions.Logging;

namespace EdgeCache.Cli.Demo;

/// <summary>One warning or error the demo's origin or an edge logged; <see cref="Number"/> counts from 1 in the order they came.</summary>
internal sealed record DemoLogEntry(long Number, string Message);

/// <summary>
/// The last warnings and errors of the origin and every edge, kept in memory: console logging from
/// seven servers would tear the live table apart, so the dashboard shows these instead. Thread-safe.
/// </summary>
internal sealed class DemoLog
{
    public const int DefaultCapacity = 100;

    private readonly int _capacity;
    private readonly Queue<DemoLogEntry> _entries = new();
    private readonly Lock _lock = new();
    private long _count;

    public DemoLog(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>A logger provider for one server; its messages start with <paramref name="source"/> (<c>origin</c>, <c>eu-west-1</c>).</summary>
    public ILoggerProvider ProviderFor(string source) => new Provider(this, source);

    public void Add(string message)
    {
        lock (_lock)
        {
            _entries.Enqueue(new DemoLogEntry(++_count, message));
            if (_entries.Count > _capacity)
            {
                _entries.Dequeue();
            }
        }
    }

    /// <summary>The kept entries numbered above <paramref name="number"/>, oldest first (0: all kept).</summary>
    public IReadOnlyList<DemoLogEntry> After(long number)
    {
        lock (_lock)
        {
            return [.. _entries.Where(entry => entry.Number > number)];
        }
    }

    /// <summary>The last <paramref name="count"/> messages, oldest first.</summary>
    public IReadOnlyList<string> Latest(int count)
    {
        lock (_lock)
        {
            return [.. _entries.Skip(Math.Max(0, _entries.Count - count)).Select(entry => entry.Message)];
        }
    }

    private sealed class Provider(DemoLog log, string source) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(log, source);

        public void Dispose()
        {
            // The entries outlive every server that wrote them.
        }
    }

    private sealed class Logger(DemoLog log, string source) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Warning and < LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            if (exception is not null && !message.Contains(exception.Message, StringComparison.Ordinal))
            {
                message += ": " + exception.Message;
            }

            var level = logLevel >= LogLevel.Error ? "error: " : string.Empty;
            // One line each: the table and stderr show them line by line.
            log.Add($"{source}: {level}{message.ReplaceLineEndings(" ")}");
        }
    }
}
