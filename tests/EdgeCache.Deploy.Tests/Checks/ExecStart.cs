namespace EdgeCache.Deploy.Tests.Checks;

/// <summary>
/// One <c>ExecStart=</c> line of a systemd unit split into words: the executable (without systemd's <c>-@:+!</c>
/// prefixes), then its arguments. Lines ending in a backslash continue on the next line, as systemd reads them.
/// </summary>
internal sealed record ExecStart(string Line, string Executable, IReadOnlyList<string> Arguments)
{
    private const string Key = "ExecStart=";

    /// <summary>
    /// The ExecStart= lines of a unit (or of a cloud-init that holds units), trimmed, continuations joined; an empty
    /// <c>ExecStart=</c> (a drop-in clearing the unit's command) starts nothing and is left out.
    /// </summary>
    public static IEnumerable<string> LinesIn(string text)
    {
        var logical = new List<string>();
        var pending = "";
        foreach (var line in text.Split('\n').Select(line => line.TrimEnd('\r', ' ', '\t')))
        {
            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            logical.Add(pending + line);
            pending = "";
        }

        logical.Add(pending);
        return logical.Select(line => line.Trim()).Where(line => line.StartsWith(Key, StringComparison.Ordinal) && line.Length > Key.Length);
    }

    public static ExecStart Parse(string line)
    {
        var words = line[Key.Length..]
            .Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)
            .Select(word => word.Trim('"', '\''))
            .ToList();
        return words.Count == 0
            ? new ExecStart(line, "", [])
            : new ExecStart(line, words[0].TrimStart('-', '@', ':', '+', '!'), words[1..]);
    }
}
