using EdgeCache.Dns.Wire;

namespace EdgeCache.Dns.Tests.Wire;

/// <summary>
/// Semantic equality of messages: the records' list and array members (OPT options, raw RDATA)
/// compare by reference in the records' own equality, so they are compared element by element here.
/// </summary>
internal static class MessageAssert
{
    public static void Equivalent(DnsMessage expected, DnsMessage actual)
    {
        Assert.Equal(expected.Header, actual.Header);
        Assert.Equal(expected.Questions, actual.Questions);
        Records(expected.Answers, actual.Answers, "answer");
        Records(expected.Authorities, actual.Authorities, "authority");
        Records(expected.Additionals, actual.Additionals, "additional");
    }

    public static void Records(IReadOnlyList<DnsRecord> expected, IReadOnlyList<DnsRecord> actual, string section)
    {
        Assert.True(expected.Count == actual.Count, $"{section}: {expected.Count} records expected, {actual.Count} found");
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(
                SameRecord(expected[i], actual[i]),
                $"{section} {i}: expected {Describe(expected[i])}, found {Describe(actual[i])}");
        }
    }

    public static bool SameRecord(DnsRecord expected, DnsRecord actual)
        => expected.Name.Equals(actual.Name)
            && expected.Type == actual.Type
            && expected.Class == actual.Class
            && expected.Ttl == actual.Ttl
            && SameData(expected.Data, actual.Data);

    public static bool SameData(DnsRecordData expected, DnsRecordData actual) => (expected, actual) switch
    {
        (RawData e, RawData a) => e.Data.AsSpan().SequenceEqual(a.Data),
        (OptData e, OptData a) => SameOptions(e.Options, a.Options),
        // The other data records hold only values, names and addresses, which compare by value.
        _ => expected.Equals(actual),
    };

    public static bool SameOptions(IReadOnlyList<EdnsOption> expected, IReadOnlyList<EdnsOption> actual)
    {
        if (expected.Count != actual.Count)
        {
            return false;
        }

        for (var i = 0; i < expected.Count; i++)
        {
            if (expected[i].Code != actual[i].Code || !expected[i].Data.AsSpan().SequenceEqual(actual[i].Data))
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(DnsRecord record) => record.Data switch
    {
        RawData raw => $"{record with { Data = null! }} raw {Octets.ToHex(raw.Data)}",
        OptData opt => $"{record with { Data = null! }} options [{string.Join(", ", opt.Options.Select(o => $"{o.Code}:{Octets.ToHex(o.Data)}"))}]",
        _ => record.ToString(),
    };
}
