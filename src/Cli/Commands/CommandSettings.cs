namespace EdgeCache.Cli.Commands;

/// <summary>Settings a command passes to the configuration of what it runs, option by option.</summary>
internal static class CommandSettings
{
    /// <summary>Sets <c>section:name</c> when the option (or its environment variable) gave a value.</summary>
    public static void Put(Dictionary<string, string?> settings, string section, string name, string? value)
    {
        if (value is not null)
        {
            settings[section + ":" + name] = value;
        }
    }
}
