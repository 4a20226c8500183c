namespace EdgeCache.Deploy.Tests.Checks;

public sealed class ExecStartTests
{
    [Fact]
    public void Continued_lines_are_joined_and_resets_comments_and_other_keys_ignored()
    {
        var lines = ExecStart.LinesIn("[Service]\nExecStart=\n  ExecStart=/opt/edgecache/edgecache edge \\\n  --listen x\\\n --id y\nExecStartPre=/bin/true\n# ExecStart=/commented\n");

        Assert.Equal(["ExecStart=/opt/edgecache/edgecache edge    --listen x  --id y"], lines);
    }

    [Fact]
    public void The_executable_loses_systemd_prefixes_and_quotes_leave_words()
    {
        var start = ExecStart.Parse("ExecStart=-/opt/edgecache/edgecache origin --data \"/var/lib/edgecache\"");

        Assert.Equal("/opt/edgecache/edgecache", start.Executable);
        Assert.Equal(["origin", "--data", "/var/lib/edgecache"], start.Arguments);
    }
}
