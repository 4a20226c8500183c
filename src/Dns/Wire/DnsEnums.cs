namespace EdgeCache.Dns.Wire;

/// <summary>Resource record types (RFC 1035 3.2.2, RFC 3596, RFC 2782, RFC 6891); any other value is carried as is.</summary>
public enum DnsType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    OPT = 41,
    IXFR = 251,
    AXFR = 252,
    ANY = 255,
}

/// <summary>Classes (RFC 1035 3.2.4); any other value is carried as is.</summary>
public enum DnsClass : ushort
{
    IN = 1,
    CH = 3,
    ANY = 255,
}

/// <summary>Header opcodes (RFC 1035 4.1.1, RFC 1996, RFC 2136).</summary>
public enum DnsOpcode : byte
{
    Query = 0,
    InverseQuery = 1,
    Status = 2,
    Notify = 4,
    Update = 5,
}

/// <summary>Response codes; values above 15 are extended codes whose upper 8 bits travel in the OPT record (RFC 6891 6.1.3).</summary>
public enum DnsResponseCode : ushort
{
    NoError = 0,
    FormatError = 1,
    ServerFailure = 2,
    NameError = 3,
    NotImplemented = 4,
    Refused = 5,
    BadVersion = 16,
}
