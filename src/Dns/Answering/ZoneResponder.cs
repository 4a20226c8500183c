using System.Net;
using System.Net.Sockets;
using EdgeCache.Dns.Diagnostics;
using EdgeCache.Dns.Geo;
using EdgeCache.Dns.Wire;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Dns.Answering;

/// <summary>
/// The authoritative answers of one zone, from the current fleet:
/// <list type="bullet">
/// <item>apex <c>A</c>/<c>AAAA</c>: the healthy edges of the client's region (by EDNS Client Subnet, else
/// the source address, through the geo map), every healthy edge when that region has none; rotated
/// on every query (round robin);</item>
/// <item><c>&lt;region&gt;.zone</c>: that region's healthy edges (every healthy edge when it has none);</item>
/// <item><c>&lt;id&gt;.&lt;region&gt;.zone</c>: one edge; <c>_http._tcp.zone</c> and <c>_http._tcp.&lt;region&gt;.zone</c>:
/// <c>SRV</c> with the edges' ports, targets <c>&lt;id&gt;.&lt;region&gt;.zone</c> and their addresses as additional records;</item>
/// <item><c>SOA</c> and <c>NS</c> at the apex (<c>ns.zone</c>, with the server's own address when it has one).</item>
/// </list>
/// NXDOMAIN for other names in the zone, REFUSED outside it or for another class, FORMERR for a
/// malformed query, NOTIMP for another opcode, BADVERS for EDNS versions above 0; a UDP answer larger
/// than the client can take is sent truncated (TC), so the client asks again over TCP.
/// </summary>
public sealed partial class ZoneResponder : IDnsResponder
{
    /// <summary>What a UDP answer may take without EDNS (RFC 1035 4.2.1).</summary>
    public const int ClassicUdpSize = 512;

    /// <summary>Our EDNS UDP payload size and the most any UDP answer takes: no IP fragmentation on common paths (DNS flag day 2020).</summary>
    public const ushort EdnsUdpSize = 1232;

    private const int MaxTcpSize = ushort.MaxValue;
    private const string NameServerLabel = "ns";
    private const string HostmasterLabel = "hostmaster";
    private static readonly string[] HttpService = ["_http", "_tcp"];
    private static readonly TimeSpan RejectionLogInterval = TimeSpan.FromSeconds(1);

    private readonly DnsName _zone;
    private readonly uint _ttl;
    private readonly IPAddress? _nameServerAddress;
    private readonly IFleetView _fleet;
    private readonly GeoMap _geo;
    private readonly LogRateLimit _rejections;
    private readonly ILogger<ZoneResponder> _logger;
    private readonly SoaData _soa;
    private long _rotation;

    /// <param name="zone">The zone this server is authoritative for.</param>
    /// <param name="ttl">TTL of every answer, and the negative-caching TTL (SOA minimum).</param>
    /// <param name="nameServerAddress">The address this server answers on, for <c>ns.zone</c>; null when it listens on a wildcard.</param>
    public ZoneResponder(DnsName zone, uint ttl, IPAddress? nameServerAddress, IFleetView fleet, GeoMap geo, TimeProvider time, ILogger<ZoneResponder> logger)
    {
        _zone = zone;
        _ttl = ttl;
        _nameServerAddress = nameServerAddress;
        _fleet = fleet;
        _geo = geo;
        // Garbage can arrive at line rate; one line a second says what is going on without flooding the log.
        _rejections = new LogRateLimit(time, RejectionLogInterval);
        _logger = logger;
        // The fleet changes without zone transfers (no secondaries), so the serial only has to be stable.
        _soa = new SoaData(zone.Prepend(NameServerLabel), zone.Prepend(HostmasterLabel), Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, Minimum: ttl);
    }

    public byte[]? Respond(ReadOnlySpan<byte> query, IPAddress client, DnsTransport transport)
    {
        if (!DnsMessage.TryReadHeader(query, out var header, out _) || header.IsResponse)
        {
            // No header to answer to, or a response: answering responses invites loops between servers.
            return null;
        }

        DnsMessage request;
        Edns? edns;
        try
        {
            request = DnsMessage.Parse(query);
            edns = request.Edns;
        }
        catch (DnsFormatException malformed)
        {
            LogRejected(client, malformed.Message);
            return Write(Reply(header, [], DnsResponseCode.FormatError, authoritative: false), transport, edns: null);
        }

        var questions = request.Questions;
        if (header.Opcode != DnsOpcode.Query)
        {
            return Write(Reply(header, questions, DnsResponseCode.NotImplemented, authoritative: false), transport, edns);
        }

        if (edns is { Version: > 0 })
        {
            // RFC 6891 6.1.3: answer BADVERS with the highest version we do support (0).
            return Write(Reply(header, questions, DnsResponseCode.BadVersion, authoritative: false), transport, edns, extendedCode: (byte)((ushort)DnsResponseCode.BadVersion >> 4));
        }

        ClientSubnet? subnet;
        try
        {
            subnet = edns?.ClientSubnet(inQuery: true);
        }
        catch (DnsFormatException malformed)
        {
            LogRejected(client, malformed.Message);
            return Write(Reply(header, questions, DnsResponseCode.FormatError, authoritative: false), transport, edns);
        }

        if (questions.Count != 1)
        {
            LogRejected(client, $"{questions.Count} questions; a query asks one");
            return Write(Reply(header, questions, DnsResponseCode.FormatError, authoritative: false), transport, edns);
        }

        var question = questions[0];
        if ((question.Class != DnsClass.IN && question.Class != DnsClass.ANY) || !question.Name.IsAtOrBelow(_zone))
        {
            return Write(Reply(header, questions, DnsResponseCode.Refused, authoritative: false), transport, edns);
        }

        if (question.Type is DnsType.AXFR or DnsType.IXFR)
        {
            // The zone is computed per query from the fleet; there is nothing to transfer (RFC 5936 4.2).
            return Write(Reply(header, questions, DnsResponseCode.Refused, authoritative: false), transport, edns);
        }

        var answer = Answer(question, subnet?.Address ?? client);
        var reply = Reply(header, questions, answer.Code, authoritative: true) with
        {
            Answers = answer.Answers,
            Authorities = answer.Answers.Count == 0 ? [SoaRecord()] : [],
            Additionals = answer.Additionals,
        };
        // RFC 7871 7.2.1: the scope says how much of the client's address the answer depended on.
        var scope = subnet is not null && answer.ByClient ? subnet.SourcePrefixLength : (byte)0;
        return Write(reply, transport, edns, subnet is null ? null : subnet with { ScopePrefixLength = scope });
    }

    private ZoneAnswer Answer(DnsQuestion question, IPAddress client)
    {
        var fleet = _fleet.Current;
        var below = question.Name.LabelsBelow(_zone);
        var name = question.Name;
        switch (below.Count)
        {
            case 0:
                return Apex(question, fleet, client);
            case 1 when FindRegion(fleet, below[0]) is { } region:
                return Addresses(name, question.Type, OfRegion(fleet, region), byClient: false);
            case 1 when IsLabel(below[0], NameServerLabel):
                return NameServer(name, question.Type);
            case 1 when IsLabel(below[0], HttpService[1]):
            case 2 when IsLabel(below[0], HttpService[1]) && FindRegion(fleet, below[1]) is not null:
                // _tcp.zone exists as the parent of _http._tcp.zone: an empty non-terminal is NODATA, not NXDOMAIN (RFC 8020).
                return ZoneAnswer.NoData;
            case 2 when IsLabel(below[0], HttpService[0]) && IsLabel(below[1], HttpService[1]):
                return Services(name, question.Type, ForClient(fleet, client), byClient: true);
            case 2 when FindRegion(fleet, below[1]) is { } region && FindEdge(fleet, region, below[0]) is { } edge:
                return Addresses(name, question.Type, [edge], byClient: false);
            case 3 when IsLabel(below[0], HttpService[0]) && IsLabel(below[1], HttpService[1]) && FindRegion(fleet, below[2]) is { } region:
                return Services(name, question.Type, OfRegion(fleet, region), byClient: false);
            default:
                return ZoneAnswer.NameError;
        }
    }

    private ZoneAnswer Apex(DnsQuestion question, FleetSnapshot fleet, IPAddress client)
    {
        var name = question.Name;
        return question.Type switch
        {
            DnsType.A or DnsType.AAAA => Addresses(name, question.Type, ForClient(fleet, client), byClient: true),
            DnsType.SOA => new ZoneAnswer([SoaRecord(name)], [], ByClient: false),
            DnsType.NS => new ZoneAnswer([NsRecord(name)], NameServerAddresses(DnsType.ANY), ByClient: false),
            DnsType.ANY => new ZoneAnswer(
                [.. Rotate(AddressRecords(name, DnsType.ANY, ForClient(fleet, client))), SoaRecord(name), NsRecord(name)],
                NameServerAddresses(DnsType.ANY),
                ByClient: true),
            _ => ZoneAnswer.NoData,
        };
    }

    private ZoneAnswer Addresses(DnsName name, DnsType type, IReadOnlyList<DnsEdge> edges, bool byClient)
        => type is DnsType.A or DnsType.AAAA or DnsType.ANY
            ? new ZoneAnswer(Rotate(AddressRecords(name, type, edges)), [], byClient)
            : ZoneAnswer.NoData;

    private ZoneAnswer NameServer(DnsName name, DnsType type)
        => type is DnsType.A or DnsType.AAAA or DnsType.ANY
            ? new ZoneAnswer([.. NameServerAddresses(type).Select(r => r with { Name = name })], [], ByClient: false)
            : ZoneAnswer.NoData;

    private ZoneAnswer Services(DnsName name, DnsType type, IReadOnlyList<DnsEdge> edges, bool byClient)
    {
        if (type is not (DnsType.SRV or DnsType.ANY))
        {
            return ZoneAnswer.NoData;
        }

        var rotated = Rotate(edges);
        var services = new List<DnsRecord>(rotated.Count);
        var targets = new List<DnsRecord>(rotated.Count);
        foreach (var edge in rotated)
        {
            var target = _zone.Prepend(edge.Region).Prepend(edge.Id);
            // Equal priority and weight: clients spread over the edges as they would over A records.
            services.Add(new DnsRecord(name, DnsType.SRV, (ushort)DnsClass.IN, _ttl, new SrvData(Priority: 10, Weight: 10, Port: (ushort)edge.Port, target)));
            targets.AddRange(AddressRecords(target, DnsType.ANY, [edge]));
        }

        return new ZoneAnswer(services, targets, byClient);
    }

    /// <summary>The healthy edges of the client's region; every healthy edge when it has none or the client's region is unknown.</summary>
    private IReadOnlyList<DnsEdge> ForClient(FleetSnapshot fleet, IPAddress client)
        => _geo.RegionOf(client) is { } region && OfRegionOnly(fleet, region) is { Count: > 0 } local ? local : fleet.Healthy;

    /// <summary>A region's healthy edges; every healthy edge when it has none, since an answer elsewhere beats no answer.</summary>
    private static IReadOnlyList<DnsEdge> OfRegion(FleetSnapshot fleet, string region)
        => OfRegionOnly(fleet, region) is { Count: > 0 } local ? local : fleet.Healthy;

    private static List<DnsEdge> OfRegionOnly(FleetSnapshot fleet, string region)
        => fleet.Healthy.Where(e => string.Equals(e.Region, region, StringComparison.OrdinalIgnoreCase)).ToList();

    private static string? FindRegion(FleetSnapshot fleet, string label)
        => fleet.Regions.FirstOrDefault(r => string.Equals(r, label, StringComparison.OrdinalIgnoreCase));

    private static DnsEdge? FindEdge(FleetSnapshot fleet, string region, string id)
        => fleet.Healthy.FirstOrDefault(e => string.Equals(e.Region, region, StringComparison.OrdinalIgnoreCase) && string.Equals(e.Id, id, StringComparison.OrdinalIgnoreCase));

    private static bool IsLabel(string label, string expected) => string.Equals(label, expected, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The items starting one further along on every call: round robin across queries. Rotated after
    /// filtering by address family, so an IPv6 edge never makes the first IPv4 one come first twice.
    /// </summary>
    private List<T> Rotate<T>(IReadOnlyList<T> items)
    {
        if (items.Count < 2)
        {
            return [.. items];
        }

        var start = (int)((ulong)Interlocked.Increment(ref _rotation) % (ulong)items.Count);
        var rotated = new List<T>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            rotated.Add(items[(start + i) % items.Count]);
        }

        return rotated;
    }

    private List<DnsRecord> AddressRecords(DnsName name, DnsType type, IReadOnlyList<DnsEdge> edges)
    {
        var records = new List<DnsRecord>(edges.Count);
        foreach (var edge in edges)
        {
            var address = edge.Address.IsIPv4MappedToIPv6 ? edge.Address.MapToIPv4() : edge.Address;
            var recordType = address.AddressFamily == AddressFamily.InterNetwork ? DnsType.A : DnsType.AAAA;
            if (type == DnsType.ANY || type == recordType)
            {
                records.Add(new DnsRecord(name, recordType, (ushort)DnsClass.IN, _ttl, new AddressData(address)));
            }
        }

        return records;
    }

    private List<DnsRecord> NameServerAddresses(DnsType type)
        => _nameServerAddress is null
            ? []
            : AddressRecords(_zone.Prepend(NameServerLabel), type, [new DnsEdge(NameServerLabel, string.Empty, _nameServerAddress, 0)]);

    private DnsRecord SoaRecord(DnsName? name = null) => new(name ?? _zone, DnsType.SOA, (ushort)DnsClass.IN, _ttl, _soa);

    private DnsRecord NsRecord(DnsName name) => new(name, DnsType.NS, (ushort)DnsClass.IN, _ttl, new NameData(_soa.PrimaryServer));

    private static DnsMessage Reply(DnsHeader query, IReadOnlyList<DnsQuestion> questions, DnsResponseCode code, bool authoritative)
        => new(
            query with
            {
                IsResponse = true,
                Authoritative = authoritative,
                Truncated = false,
                RecursionAvailable = false,
                AuthenticData = false,
                ResponseCode = (byte)((ushort)code & 0xF),
            },
            questions,
            [],
            [],
            []);

    /// <summary>
    /// The reply on the wire: with an OPT record when the query had one (the extended part of the code,
    /// the client subnet echoed), and for UDP cut to what the client takes: over that, only the header,
    /// the question and the OPT record go, with TC set.
    /// </summary>
    /// <param name="extendedCode">The upper 8 bits of an extended response code (RFC 6891 6.1.3): 1 for BADVERS, whose low 4 bits in the header are 0.</param>
    private static byte[] Write(DnsMessage reply, DnsTransport transport, Edns? edns, ClientSubnet? subnet = null, byte extendedCode = 0)
    {
        List<DnsRecord> opt = [];
        if (edns is not null)
        {
            opt.Add(new Edns(EdnsUdpSize, extendedCode, Version: 0, DnssecOk: false, subnet is null ? [] : [subnet.ToOption()]).ToRecord());
        }

        var full = reply with { Additionals = [.. reply.Additionals, .. opt] };
        var bytes = full.Write();
        var limit = transport == DnsTransport.Tcp ? MaxTcpSize : edns is null ? ClassicUdpSize : Math.Clamp((int)edns.UdpPayloadSize, ClassicUdpSize, EdnsUdpSize);
        if (bytes.Length <= limit)
        {
            return bytes;
        }

        return (full with { Header = full.Header with { Truncated = true }, Answers = [], Authorities = [], Additionals = opt }).Write();
    }

    private void LogRejected(IPAddress client, string reason)
    {
        if (_rejections.TryEnter(out var suppressed))
        {
            LogMalformed(_logger, client, reason, suppressed);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Answered FORMERR to {Client}: {Reason} ({Unlogged} more since the last such line)")]
    private static partial void LogMalformed(ILogger logger, IPAddress client, string reason, long unlogged);

    /// <summary>What a name in the zone answers: the records, additional records, and whether the client's address chose them.</summary>
    private sealed record ZoneAnswer(IReadOnlyList<DnsRecord> Answers, IReadOnlyList<DnsRecord> Additionals, bool ByClient)
    {
        public static ZoneAnswer NoData { get; } = new([], [], ByClient: false);

        public static ZoneAnswer NameError { get; } = new([], [], ByClient: false) { Code = DnsResponseCode.NameError };

        public DnsResponseCode Code { get; init; } = DnsResponseCode.NoError;
    }
}
