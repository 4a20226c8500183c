using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Origin.Admin;

/// <summary>
/// <c>?wait=all&amp;timeout=5s</c> on a mutating admin call: wait until every connected edge
/// acknowledged the change, at most <see cref="Timeout"/>. Parsed and validated for every admin
/// call and carried as a request feature; the mutating calls wait after their commit.
/// </summary>
internal sealed record WaitRequest(TimeSpan Timeout)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);

    /// <summary>False with an error for a bad <c>wait</c> or <c>timeout</c>; true with null when the call does not wait.</summary>
    public static bool TryParse(IQueryCollection query, out WaitRequest? wait, out string error)
    {
        wait = null;
        error = string.Empty;
        var mode = query["wait"];
        var timeout = query["timeout"];
        if (mode.Count > 1 || timeout.Count > 1)
        {
            error = "wait and timeout may each be given once";
            return false;
        }

        if (mode.Count == 0 || mode[0] is "none")
        {
            if (timeout.Count > 0)
            {
                error = "timeout needs wait=all";
                return false;
            }

            return true;
        }

        if (mode[0] != "all")
        {
            error = $"wait must be 'all' or 'none', not '{mode[0]}'";
            return false;
        }

        var span = DefaultTimeout;
        if (timeout.Count > 0 && !TryParseDuration(timeout[0], out span))
        {
            error = $"timeout '{timeout[0]}' is not a duration such as 500ms, 5s or 2m";
            return false;
        }

        if (span <= TimeSpan.Zero || span > MaxTimeout)
        {
            error = $"timeout must be above zero and at most {MaxTimeout.TotalMinutes:0} minutes";
            return false;
        }

        wait = new WaitRequest(span);
        return true;
    }

    /// <summary>A number with a unit of ms, s or m; a bare number is seconds.</summary>
    /// <summary>A duration such as <c>500ms</c>, <c>5s</c>, <c>2m</c> (a bare number is seconds); also what the CLI accepts.</summary>
    internal static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 1.0)
            : text.EndsWith('s') ? (text[..^1], 1000.0)
            : text.EndsWith('m') ? (text[..^1], 60_000.0)
            : (text, 1000.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value * unit))
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(Math.Min(value * unit, TimeSpan.MaxValue.TotalMilliseconds / 2));
        return true;
    }
}
