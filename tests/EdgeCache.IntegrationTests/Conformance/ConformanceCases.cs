using System.Text;

namespace EdgeCache.IntegrationTests.Conformance;

/// <summary>
/// The table of conformance cases, one per rule, grouped by area. Written from the RFCs
/// (9111 caching, 9110 conditionals and ranges, 5861 stale-*, 9213 targeted fields, 9211
/// Cache-Status); where an RFC leaves a choice (SHOULD/MAY), the case tests the behaviour this
/// edge chose and says so in its name.
/// Conventions: the default URL is /r; the scripted upstream's default body is "response N"
/// (N = the how-many-th request it saw), so a body tells which upstream answer the client got;
/// every upstream response carries <c>Date</c> from the case's manual clock.
/// </summary>
internal static partial class ConformanceCases
{
    private static readonly Lazy<IReadOnlyList<ConformanceCase>> AllCases = new(() =>
    [
        .. Freshness(), .. Targeted(), .. Validation(), .. ClientConditionals(), .. RequestDirectives(),
        .. Vary(), .. Stale(), .. Ranges(), .. Invalidation(), .. Methods(), .. StatusAndHeaders(),
    ]);

    public static IReadOnlyList<ConformanceCase> All => AllCases.Value;

    public static ConformanceCase ByName(string name) => All.Single(c => c.Name == name);

    public static TheoryData<ConformanceCase> InGroup(string group)
    {
        var data = new TheoryData<ConformanceCase>();
        foreach (var testCase in All.Where(c => c.Group == group))
        {
            data.Add(testCase);
        }

        return data;
    }

    private static (string Name, string Value) CC(string value) => ("Cache-Control", value);

    private static (string Name, string Value) ETag(string value) => ("ETag", value);

    private static (string Name, string Value) LastModified(string value) => ("Last-Modified", value);

    // =============================================================================================
    // Freshness: RFC 9111 section 4.2, 5.1-5.3, 5.4; RFC 9110 section 15.1 (heuristic statuses)
    // =============================================================================================
    private static IEnumerable<ConformanceCase> Freshness()
    {
        static ConformanceCase C(string rfc, string description) => new("Freshness", rfc, description);

        yield return C("RFC 9111 4.2, 5.2.2.1", "max-age response is reused while fresh")
            .Upstream(Up.Ok(CC("max-age=60")))
            .Get().Status(200).Body("response 1").UpstreamTotal(1)
            .Advance(30).Get().Status(200).Body("response 1").FromCache();

        yield return C("RFC 9111 4.2", "max-age response is not reused once stale")
            .Upstream(Up.Ok(CC("max-age=60")))
            .Get().Body("response 1")
            .Advance(61).Get().Status(200).Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.2", "Cache-Control directive names are case-insensitive (MAX-AGE=60)")
            .Upstream(Up.Ok(CC("MAX-AGE=60")))
            .Get()
            .Advance(30).Get().Body("response 1").FromCache();

        yield return C("RFC 9110 5.1", "field names are case-insensitive (cache-control: max-age=60)")
            .Upstream(Up.Ok(("cache-control", "max-age=60")))
            .Get()
            .Advance(30).Get().Body("response 1").FromCache();

        yield return C("RFC 9111 5.2", "quoted directive value max-age=\"60\" is accepted")
            .Upstream(Up.Ok(CC("max-age=\"60\"")))
            .Get()
            .Advance(30).Get().Body("response 1").FromCache();

        yield return C("RFC 9111 5.2.3", "unrecognised extension directives are ignored")
            .Upstream(Up.Ok(CC("community=\"UCI\", max-age=60, foo")))
            .Get()
            .Advance(30).Get().Body("response 1").FromCache();

        yield return C("RFC 9111 4.2.1", "duplicate max-age=10, max-age=100 is not fresh after 50 s")
            .Upstream(Up.Ok(CC("max-age=10, max-age=100")))
            .Get()
            .Advance(50).Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 4.2.1 (edge: most conservative)", "duplicate max-age=100, max-age=10 is not fresh after 50 s")
            .Upstream(Up.Ok(CC("max-age=100, max-age=10")))
            .Get()
            .Advance(50).Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 4.2.1 (edge: most conservative)", "max-age on two Cache-Control field lines (100 then 10) is not fresh after 50 s")
            .Upstream(Up.Ok(CC("max-age=100"), CC("max-age=10")))
            .Get()
            .Advance(50).Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.2.2.7 (edge: most conservative)", "public, private is private: not stored by a shared cache")
            .Upstream(Up.Ok(CC("public, private, max-age=600")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.2.2.7 (edge: most conservative)", "private, public is private: not stored by a shared cache")
            .Upstream(Up.Ok(CC("max-age=600, private, public")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        foreach (var invalid in new[] { "max-age=abc", "max-age=-1", "max-age=1.5" })
        {
            yield return C("RFC 9111 4.2.1", $"invalid {invalid} makes the response stale")
                .Upstream(Up.Ok(CC(invalid)))
                .Get()
                .Get().Body("response 2").WentUpstream();
        }

        yield return C("RFC 9111 1.2.2", "max-age larger than 2^31 is capped, not wrapped: fresh after 30 days")
            .Upstream(Up.Ok(CC("max-age=99999999999")))
            .Get()
            .Advance(30 * 86400).Get().Body("response 1").FromCache();

        yield return C("RFC 9111 5.2.2.10", "s-maxage overrides a shorter max-age in a shared cache")
            .Upstream(Up.Ok(CC("max-age=5, s-maxage=60")))
            .Get()
            .Advance(30).Get().Body("response 1").FromCache();

        yield return C("RFC 9111 5.2.2.10", "s-maxage overrides a longer max-age in a shared cache")
            .Upstream(Up.Ok(CC("max-age=60, s-maxage=5")))
            .Get()
            .Advance(30).Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.2.2.10, 5.3", "s-maxage overrides a past Expires")
            .Upstream(Up.Ok(CC("s-maxage=60"), ("Expires", "{now:-60}")))
            .Get()
            .Advance(30).Get().Body("response 1").FromCache();

        yield return C("RFC 9111 5.3", "Expires in the future: fresh until then")
            .Upstream(Up.Ok(("Expires", "{now:+60}")))
            .Get()
            .Advance(30).Get().Body("response 1").FromCache()
            .Advance(31).Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.3", "Expires in the past: stale")
            .Upstream(Up.Ok(("Expires", "{now:-60}")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.3", "invalid Expires means already expired")
            .Upstream(Up.Ok(("Expires", "next tuesday")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.3", "Expires: 0 means already expired")
            .Upstream(Up.Ok(("Expires", "0")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 4.2.1", "Expires lifetime is Expires minus Date (upstream clock one hour ahead)")
            .Upstream(Up.Ok(("Date", "{now:+3600}"), ("Expires", "{now:+3660}")))
            .Get()
            .Advance(30).Get().Body("response 1").FromCache()
            .Advance(60).Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 4.2.3", "apparent age from a Date one hour old makes max-age=60 stale on arrival")
            .Upstream(Up.Ok(("Date", "{now:-3600}"), CC("max-age=60")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.3", "max-age beats a past Expires")
            .Upstream(Up.Ok(CC("max-age=60"), ("Expires", "{now:-60}")))
            .Get()
            .Advance(30).Get().Body("response 1").FromCache();

        yield return C("RFC 9111 5.3", "max-age beats a future Expires")
            .Upstream(Up.Ok(CC("max-age=5"), ("Expires", "{now:+3600}")))
            .Get()
            .Advance(30).Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.3", "Expires applies when Cache-Control has no max-age (public)")
            .Upstream(Up.Ok(CC("public"), ("Expires", "{now:+60}")))
            .Get()
            .Advance(30).Get().Body("response 1").FromCache();

        yield return C("RFC 9111 4.2.3, 5.1", "Age from upstream counts: max-age=60 with Age: 30 is stale 31 s later")
            .Upstream(Up.Ok(CC("max-age=60"), ("Age", "30")))
            .Get()
            .Advance(20).Get().Body("response 1").FromCache()
            .Advance(20).Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 4.2.3", "Age larger than max-age: stale on arrival")
            .Upstream(Up.Ok(CC("max-age=60"), ("Age", "100")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 4.2.3, 5.1", "invalid Age: abc is ignored")
            .Upstream(Up.Ok(CC("max-age=60"), ("Age", "abc")))
            .Get()
            .Advance(30).Get().Body("response 1").FromCache();

        yield return C("RFC 9111 5.1 (edge: first value)", "Age list 50, 10 uses the first value")
            .Upstream(Up.Ok(CC("max-age=60"), ("Age", "50, 10")))
            .Get()
            .Advance(20).Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.4 (edge choice)", "response Pragma: no-cache without Cache-Control is not reused without validation")
            .Upstream(Up.Ok(("Pragma", "no-cache"), ("Expires", "{now:+600}")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.2.2.5", "no-store response is not stored")
            .Upstream(Up.Ok(CC("max-age=600, no-store")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.2.2.7", "private response is not stored by a shared cache")
            .Upstream(Up.Ok(CC("private, max-age=600")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 4.2.1", "max-age=0 is stale at once")
            .Upstream(Up.Ok(CC("max-age=0")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 4", "the query is part of the cache key")
            .Upstream(Up.Ok(CC("max-age=600")))
            .Get("/r?a=1").Body("response 1")
            .Get("/r?a=2").Body("response 2").WentUpstream()
            .Get("/r?a=1").Body("response 1").FromCache();

        // Heuristic freshness (RFC 9111 4.2.2; the edge uses 10% of the time since Last-Modified, at most a day).
        yield return C("RFC 9111 4.2.2 (edge: heuristic)", "200 with an old Last-Modified and no explicit freshness is reused")
            .Upstream(Up.Ok(LastModified("{t:-864000}")))
            .Get()
            .Advance(60).Get().Body("response 1").FromCache();

        yield return C("RFC 9111 4.2.2 (edge: 10%)", "heuristic lifetime is 10% of the time since Last-Modified")
            .Upstream(Up.Ok(LastModified("{t:-1000}")))
            .Get()
            .Advance(50).Get().Body("response 1").FromCache()
            .Advance(60).Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 4.2.2 (edge: 1 day)", "heuristic lifetime is capped at one day")
            .Upstream(Up.Ok(LastModified("{t:-8640000}")))
            .Get()
            .Advance(23 * 3600).Get().Body("response 1").FromCache()
            .Advance(2 * 3600).Get().Body("response 2").WentUpstream();

        foreach (var status in new[] { 302, 307, 403, 500 })
        {
            yield return C("RFC 9111 4.2.2, RFC 9110 15.1", $"{status} is not heuristically cacheable: not reused without explicit freshness")
                .Upstream(Up.Status(status, LastModified("{t:-864000}"), ("Location", "/elsewhere")))
                .Get().Status(status)
                .Advance(10).Get().Status(status).Body("response 2").WentUpstream();
        }

        foreach (var status in new[] { 203, 204, 300, 301, 308, 404, 405, 410, 414, 501 })
        {
            var reuse = C("RFC 9111 4.2.2, RFC 9110 15.1", $"{status} is heuristically cacheable: reused with an old Last-Modified")
                .Upstream(Up.Status(status, LastModified("{t:-864000}"), ("Location", "/elsewhere")))
                .Get().Status(status)
                .Advance(60).Get().Status(status).FromCache();
            yield return status == 204 ? reuse.EmptyBody() : reuse.Body("response 1");
        }

        foreach (var status in new[] { 302, 307, 500 })
        {
            yield return C("RFC 9111 3", $"{status} with explicit freshness (max-age=60) is reused")
                .Upstream(Up.Status(status, CC("max-age=60"), ("Location", "/elsewhere")))
                .Get().Status(status)
                .Advance(30).Get().Status(status).Body("response 1").FromCache();
        }

        yield return C("RFC 9111 3.5", "response to a request with Authorization and only max-age is not reused")
            .Upstream(Up.Ok(CC("max-age=600")))
            .Get(("Authorization", "Bearer alice"))
            .Get(("Authorization", "Bearer alice")).Body("response 2").WentUpstream();

        foreach (var allows in new[] { "public, max-age=600", "must-revalidate, max-age=600", "s-maxage=600" })
        {
            yield return C("RFC 9111 3.5", $"response to a request with Authorization and {allows} is reused")
                .Upstream(Up.Ok(CC(allows)))
                .Get(("Authorization", "Bearer alice"))
                .Advance(10).Get(("Authorization", "Bearer alice")).Body("response 1").FromCache();
        }
    }

    // =============================================================================================
    // Targeted cache-control fields: RFC 9213 (CDN-Cache-Control); Surrogate-Control (edge choice)
    // =============================================================================================
    private static IEnumerable<ConformanceCase> Targeted()
    {
        static ConformanceCase C(string rfc, string description) => new("Targeted", rfc, description);

        yield return C("RFC 9213 2.1", "CDN-Cache-Control: max-age=600 wins over Cache-Control: no-store")
            .Upstream(Up.Ok(("CDN-Cache-Control", "max-age=600"), CC("no-store")))
            .Get()
            .Advance(300).Get().Body("response 1").FromCache();

        yield return C("RFC 9213 2.1", "CDN-Cache-Control: no-store wins over Cache-Control: max-age=600")
            .Upstream(Up.Ok(("CDN-Cache-Control", "no-store"), CC("max-age=600")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9213 2.1", "CDN-Cache-Control: max-age=10 wins over Cache-Control: max-age=600")
            .Upstream(Up.Ok(("CDN-Cache-Control", "max-age=10"), CC("max-age=600")))
            .Get()
            .Advance(30).Get().Body("response 2").WentUpstream();

        yield return C("Surrogate-Control (edge choice)", "Surrogate-Control: max-age=600 wins over Cache-Control: no-store")
            .Upstream(Up.Ok(("Surrogate-Control", "max-age=600"), CC("no-store")))
            .Get()
            .Advance(300).Get().Body("response 1").FromCache();

        yield return C("Surrogate-Control (edge choice)", "Surrogate-Control: no-store wins over Cache-Control: max-age=600")
            .Upstream(Up.Ok(("Surrogate-Control", "no-store"), CC("max-age=600")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9213 2.1 (edge choice)", "CDN-Cache-Control: max-age=600 wins over Surrogate-Control: no-store")
            .Upstream(Up.Ok(("CDN-Cache-Control", "max-age=600"), ("Surrogate-Control", "no-store"), CC("no-store")))
            .Get()
            .Advance(300).Get().Body("response 1").FromCache();

        yield return C("RFC 9213 2.1 (edge choice)", "CDN-Cache-Control: no-store wins over Surrogate-Control: max-age=600")
            .Upstream(Up.Ok(("CDN-Cache-Control", "no-store"), ("Surrogate-Control", "max-age=600"), CC("max-age=600")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9213 2.1 (edge: default)", "CDN-Cache-Control and Surrogate-Control do not reach the client, Cache-Control does")
            .Upstream(Up.Ok(("CDN-Cache-Control", "max-age=600"), ("Surrogate-Control", "max-age=600"), CC("max-age=60")))
            .Get().Body("response 1").HeaderAbsent("CDN-Cache-Control").HeaderAbsent("Surrogate-Control").Header("Cache-Control", "max-age=60")
            .Advance(10).Get().Body("response 1").FromCache()
            .HeaderAbsent("CDN-Cache-Control").HeaderAbsent("Surrogate-Control").Header("Cache-Control", "max-age=60");

        yield return C("RFC 9213 2.1 (edge: Edge:ForwardTargetedCacheControl)", "targeted fields reach the client when configured")
            .Setting("Edge:ForwardTargetedCacheControl", "true")
            .Upstream(Up.Ok(("CDN-Cache-Control", "max-age=600"), ("Surrogate-Control", "max-age=600"), CC("max-age=60")))
            .Get().Header("CDN-Cache-Control", "max-age=600").Header("Surrogate-Control", "max-age=600").Header("Cache-Control", "max-age=60")
            .Advance(10).Get().Body("response 1").FromCache()
            .Header("CDN-Cache-Control", "max-age=600").Header("Surrogate-Control", "max-age=600").Header("Cache-Control", "max-age=60");
    }

    // =============================================================================================
    // Validation of stored responses: RFC 9111 section 4.3, 5.2.2
    // =============================================================================================
    private static IEnumerable<ConformanceCase> Validation()
    {
        static ConformanceCase C(string rfc, string description) => new("Validation", rfc, description);

        yield return C("RFC 9111 4.3.1, 4.3.3", "stale response with ETag is revalidated with If-None-Match; a 304 refreshes it")
            .Upstream(Up.Validating("\"v1\"", null, [CC("max-age=60")]))
            .Get().Body("response 1")
            .Advance(61).Get().Status(200).Body("response 1").UpstreamSaw("If-None-Match", "\"v1\"").UpstreamTotal(2)
            .Advance(30).Get().Status(200).Body("response 1").FromCache();

        yield return C("RFC 9111 4.3.1", "stale response with a weak ETag is revalidated with If-None-Match: W/\"v1\"")
            .Upstream(Up.Validating("W/\"v1\"", null, [CC("max-age=60")]))
            .Get()
            .Advance(61).Get().Status(200).Body("response 1").UpstreamSaw("If-None-Match", "W/\"v1\"");

        yield return C("RFC 9111 4.3.1", "stale response with only Last-Modified is revalidated with If-Modified-Since")
            .Upstream(Up.Validating(null, "{t:-86400}", [CC("max-age=60")]))
            .Get()
            .Advance(61).Get().Status(200).Body("response 1").UpstreamSaw("If-Modified-Since", "{t:-86400}").UpstreamTotal(2)
            .Advance(30).Get().Body("response 1").FromCache();

        yield return C("RFC 9111 4.3.1 (edge: entity tag)", "stale response with ETag and Last-Modified is revalidated with If-None-Match")
            .Upstream(Up.Validating("\"v1\"", "{t:-86400}", [CC("max-age=60")]))
            .Get()
            .Advance(61).Get().Status(200).Body("response 1").UpstreamSaw("If-None-Match", "\"v1\"");

        yield return C("RFC 9111 3.2, 4.3.4", "headers of a 304 replace the stored ones (Cache-Control, X-Custom)")
            .Upstream(r => r.Has("If-None-Match")
                ? Up.NotModified(ETag("\"v1\""), CC("max-age=600"), ("X-Custom", "new"))
                : Up.Ok(ETag("\"v1\""), CC("max-age=60"), ("X-Custom", "old")))
            .Get().Header("X-Custom", "old")
            .Advance(61).Get().Status(200).Body("response 1").Header("X-Custom", "new").Header("Cache-Control", "max-age=600").WentUpstream()
            .Advance(300).Get().Status(200).Body("response 1").Header("X-Custom", "new").Header("Cache-Control", "max-age=600").FromCache();

        yield return C("RFC 9111 3.2", "Content-Length of a 304 does not replace the stored one")
            .Upstream(r => r.Has("If-None-Match")
                ? Up.NotModified(ETag("\"v1\""), CC("max-age=60"), ("Content-Length", "0"))
                : Up.Ok(ETag("\"v1\""), CC("max-age=60")))
            .Get()
            .Advance(61).Get().Status(200).Body("response 1").Header("Content-Length", "10").WentUpstream()
            .Advance(10).Get().Status(200).Body("response 1").Header("Content-Length", "10").FromCache();

        yield return C("RFC 9111 4.3.4", "a 304 with a different strong ETag updates nothing; the client still gets a full 200")
            .Upstream(r => r.Has("If-None-Match")
                ? Up.NotModified(ETag("\"v2\""), CC("max-age=600"), ("X-Custom", "new"))
                : Up.Ok(ETag($"\"v{r.Number}\""), CC("max-age=60")))
            .Get()
            .Advance(61).Get().Status(200).Body("response 3").HeaderAbsent("X-Custom").Header("ETag", "\"v3\"")
            .UpstreamSaw("If-None-Match", "\"v1\"").UpstreamTotal(3).LastUpstreamSawNo("If-None-Match")
            .Advance(10).Get().Body("response 3").FromCache();

        yield return C("RFC 9111 4.3.3", "a 200 to a revalidation replaces the stored response")
            .Upstream(r => r.Number == 1 ? Up.Ok(ETag("\"v1\""), CC("max-age=60")) : Up.Ok(ETag("\"v2\""), CC("max-age=60")))
            .Get()
            .Advance(61).Get().Body("response 2").Header("ETag", "\"v2\"").UpstreamSaw("If-None-Match", "\"v1\"")
            .Advance(30).Get().Body("response 2").FromCache();

        yield return C("RFC 9111 4.3.3", "a stale response without validators is fetched again unconditionally")
            .Upstream(Up.Ok(CC("max-age=60")))
            .Get()
            .Advance(61).Get().Body("response 2").WentUpstream().UpstreamSawNo("If-None-Match").UpstreamSawNo("If-Modified-Since");

        yield return C("RFC 9111 5.2.2.4", "no-cache response is stored but revalidated on every request")
            .Upstream(Up.Validating("\"v1\"", null, [CC("no-cache")]))
            .Get().Body("response 1")
            .Get().Status(200).Body("response 1").UpstreamSaw("If-None-Match", "\"v1\"").UpstreamTotal(2)
            .Get().Status(200).Body("response 1").UpstreamSaw("If-None-Match", "\"v1\"").UpstreamTotal(3);

        yield return C("RFC 9111 5.2.2.4", "no-cache overrides max-age: revalidated on every request")
            .Upstream(Up.Validating("\"v1\"", null, [CC("max-age=600, no-cache")]))
            .Get()
            .Advance(10).Get().Status(200).Body("response 1").UpstreamSaw("If-None-Match", "\"v1\"");

        yield return C("RFC 9111 5.2.2.4", "no-cache response without validators is fetched on every request")
            .Upstream(Up.Ok(CC("no-cache")))
            .Get()
            .Get().Body("response 2").WentUpstream();

        foreach (var directives in new[] { "max-age=60, must-revalidate", "max-age=60, proxy-revalidate", "s-maxage=60" })
        {
            yield return C("RFC 9111 5.2.2.2, 5.2.2.8, 5.2.2.10", $"{directives}: client max-stale does not allow stale use")
                .Upstream(Up.Ok(CC(directives)))
                .Get()
                .Advance(90).Get(CC("max-stale=3600")).Body("response 2").WentUpstream();

            yield return C("RFC 9111 5.2.2.2, 5.2.2.8, 5.2.2.10", $"{directives}: upstream unreachable gives 504, not the stale copy")
                .Upstream(Up.Ok(CC(directives)))
                .Get()
                .Advance(90).StopUpstream().Get().Status(504).BodyNot("response 1");
        }

        yield return C("RFC 9111 4.2.4, 5.2.2.4", "no-cache response is not served when the upstream is unreachable")
            .Upstream(Up.Ok(ETag("\"v1\""), CC("no-cache")))
            .Get()
            .Advance(5).StopUpstream().Get().StatusNot(200).BodyNot("response 1");

        yield return C("RFC 9211 2.2, 2.3", "a revalidated response reports fwd=stale and fwd-status=304")
            .Upstream(Up.Validating("\"v1\"", null, [CC("max-age=60")]))
            .Get()
            .Advance(61).Get().Status(200).CacheStatusParam("fwd", "stale").CacheStatusParam("fwd-status", "304");
    }

    // =============================================================================================
    // Client conditionals answered by the cache: RFC 9110 section 13, RFC 9111 section 4.3.2
    // =============================================================================================
    private static IEnumerable<ConformanceCase> ClientConditionals()
    {
        static ConformanceCase C(string rfc, string description) => new("Conditionals", rfc, description);

        static Reply Stored(string etag, params (string, string)[] more)
            => Up.Ok([ETag(etag), LastModified("{t:-86400}"), CC("max-age=600"), .. more]);

        ConformanceCase NotModified(string rfc, string description, string storedEtag, params (string, string)[] conditions)
            => C(rfc, description)
                .Upstream(Stored(storedEtag))
                .Get()
                .Advance(5).Get(conditions).Status(304).EmptyBody().FromCache();

        ConformanceCase Full(string rfc, string description, string storedEtag, params (string, string)[] conditions)
            => C(rfc, description)
                .Upstream(Stored(storedEtag))
                .Get()
                .Advance(5).Get(conditions).Status(200).Body("response 1").FromCache();

        ConformanceCase Failed(string rfc, string description, string storedEtag, params (string, string)[] conditions)
            => C(rfc, description)
                .Upstream(Stored(storedEtag))
                .Get()
                .Advance(5).Get(conditions).Status(412).FromCache();

        yield return NotModified("RFC 9110 13.1.2, 15.4.5", "If-None-Match matching the stored ETag: 304 without body, with ETag, Cache-Control and Date", "\"a\"", ("If-None-Match", "\"a\""))
            .Header("ETag", "\"a\"").Header("Cache-Control", "max-age=600").HeaderPresent("Date");
        yield return NotModified("RFC 9110 13.1.2, 8.8.3.2", "If-None-Match W/\"a\" matches stored \"a\" (weak comparison)", "\"a\"", ("If-None-Match", "W/\"a\""));
        yield return NotModified("RFC 9110 13.1.2, 8.8.3.2", "If-None-Match \"a\" matches stored W/\"a\" (weak comparison)", "W/\"a\"", ("If-None-Match", "\"a\""))
            .Header("ETag", "W/\"a\"");
        yield return NotModified("RFC 9110 13.1.2", "If-None-Match list \"x\", \"a\" matches", "\"a\"", ("If-None-Match", "\"x\", \"a\""));
        yield return NotModified("RFC 9110 13.1.2", "If-None-Match: * matches a stored response", "\"a\"", ("If-None-Match", "*"));
        yield return Full("RFC 9110 13.1.2", "If-None-Match not matching: full 200 from the cache", "\"a\"", ("If-None-Match", "\"b\""));

        yield return C("RFC 9110 15.4.5", "a 304 from the cache carries Vary")
            .Upstream(Stored("\"a\"", ("Vary", "Accept-Encoding")))
            .Get()
            .Advance(5).Get(("If-None-Match", "\"a\"")).Status(304).EmptyBody().Header("Vary", "Accept-Encoding").FromCache();

        yield return NotModified("RFC 9110 13.1.3", "If-Modified-Since equal to Last-Modified: 304", "\"a\"", ("If-Modified-Since", "{t:-86400}"))
            .Header("ETag", "\"a\"");
        yield return NotModified("RFC 9110 13.1.3", "If-Modified-Since later than Last-Modified: 304", "\"a\"", ("If-Modified-Since", "{t:-3600}"));
        yield return Full("RFC 9110 13.1.3", "If-Modified-Since earlier than Last-Modified: full 200", "\"a\"", ("If-Modified-Since", "{t:-172800}"));
        yield return Full("RFC 9110 13.1.3", "If-Modified-Since that is not a valid date is ignored: full 200", "\"a\"", ("If-Modified-Since", "yesterday"));
        yield return Full("RFC 9110 13.1.3, 13.2.2", "If-None-Match takes precedence over If-Modified-Since (INM fails, IMS would pass): 200", "\"a\"", ("If-None-Match", "\"b\""), ("If-Modified-Since", "{t:-3600}"));
        yield return NotModified("RFC 9110 13.1.3, 13.2.2", "If-None-Match takes precedence over If-Modified-Since (INM matches, IMS would fail): 304", "\"a\"", ("If-None-Match", "\"a\""), ("If-Modified-Since", "{t:-172800}"));

        yield return Failed("RFC 9110 13.1.1, 13.2.1", "If-Match not matching: 412", "\"a\"", ("If-Match", "\"b\""));
        yield return Full("RFC 9110 13.1.1", "If-Match matching: 200", "\"a\"", ("If-Match", "\"a\""));
        yield return Full("RFC 9110 13.1.1", "If-Match: * with a stored representation: 200", "\"a\"", ("If-Match", "*"));
        yield return Failed("RFC 9110 13.1.1, 8.8.3.2", "If-Match uses strong comparison: W/\"a\" does not match stored W/\"a\": 412", "W/\"a\"", ("If-Match", "W/\"a\""));
        yield return Failed("RFC 9110 13.1.4", "If-Unmodified-Since earlier than Last-Modified: 412", "\"a\"", ("If-Unmodified-Since", "{t:-172800}"));
        yield return Full("RFC 9110 13.1.4", "If-Unmodified-Since later than Last-Modified: 200", "\"a\"", ("If-Unmodified-Since", "{t:-3600}"));

        yield return C("RFC 9111 4.3.2 (edge choice)", "miss with a matching If-None-Match: upstream asked unconditionally, client gets 304, next GET is a hit")
            .Upstream(Stored("\"a\""))
            .Get(("If-None-Match", "\"a\"")).Status(304).EmptyBody().UpstreamSawNo("If-None-Match").UpstreamTotal(1)
            .Get().Status(200).Body("response 1").FromCache();

        yield return C("RFC 9111 4.3.2 (edge choice)", "miss with If-Modified-Since: upstream asked unconditionally, client gets 304")
            .Upstream(Stored("\"a\""))
            .Get(("If-Modified-Since", "{t:-3600}")).Status(304).EmptyBody().UpstreamSawNo("If-Modified-Since").UpstreamTotal(1)
            .Get().Status(200).Body("response 1").FromCache();

        yield return C("RFC 9111 4.3.2 (edge choice)", "miss with a non-matching If-None-Match: full 200, upstream asked unconditionally")
            .Upstream(Stored("\"a\""))
            .Get(("If-None-Match", "\"b\"")).Status(200).Body("response 1").UpstreamSawNo("If-None-Match")
            .Get().Status(200).Body("response 1").FromCache();
    }

    // =============================================================================================
    // Request directives: RFC 9111 section 5.2.1, 5.4
    // =============================================================================================
    private static IEnumerable<ConformanceCase> RequestDirectives()
    {
        static ConformanceCase C(string rfc, string description) => new("Request", rfc, description);

        yield return C("RFC 9111 5.2.1.1", "request max-age=10: a 30 s old response is not used")
            .Upstream(Up.Ok(CC("max-age=600")))
            .Get()
            .Advance(30).Get(CC("max-age=10")).Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.2.1.1", "request max-age=60: a 30 s old response is used")
            .Upstream(Up.Ok(CC("max-age=600")))
            .Get()
            .Advance(30).Get(CC("max-age=60")).Body("response 1").FromCache();

        yield return C("RFC 9111 5.2.1.1", "request max-age=0 goes upstream")
            .Upstream(Up.Ok(CC("max-age=600")))
            .Get()
            .Advance(1).Get(CC("max-age=0")).Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.2", "request directive names are case-insensitive (MAX-AGE=0)")
            .Upstream(Up.Ok(CC("max-age=600")))
            .Get()
            .Advance(1).Get(CC("MAX-AGE=0")).Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.2.1.2", "max-stale=60 accepts a response stale by 30 s without the upstream")
            .Upstream(Up.Ok(CC("max-age=10")))
            .Get()
            .Advance(40).Get(CC("max-stale=60")).Status(200).Body("response 1").FromCache();

        yield return C("RFC 9111 5.2.1.2", "max-stale=60 does not accept a response stale by 90 s")
            .Upstream(Up.Ok(CC("max-age=10")))
            .Get()
            .Advance(100).Get(CC("max-stale=60")).Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.2.1.2", "max-stale without a value accepts any staleness")
            .Upstream(Up.Ok(CC("max-age=10")))
            .Get()
            .Advance(86400).Get(CC("max-stale")).Status(200).Body("response 1").FromCache();

        yield return C("RFC 9111 5.2.1.3", "min-fresh=30 with 20 s of freshness left goes upstream")
            .Upstream(Up.Ok(CC("max-age=60")))
            .Get()
            .Advance(40).Get(CC("min-fresh=30")).Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.2.1.3", "min-fresh=30 with 50 s of freshness left is served from cache")
            .Upstream(Up.Ok(CC("max-age=60")))
            .Get()
            .Advance(10).Get(CC("min-fresh=30")).Body("response 1").FromCache();

        yield return C("RFC 9111 5.2.1.4 (edge: conditional)", "request no-cache revalidates the stored response with If-None-Match")
            .Upstream(Up.Validating("\"v1\"", null, [CC("max-age=600")]))
            .Get()
            .Advance(1).Get(CC("no-cache")).Status(200).Body("response 1").UpstreamSaw("If-None-Match", "\"v1\"").UpstreamTotal(2);

        yield return C("RFC 9111 5.2.1.5", "request no-store: the response is not stored")
            .Upstream(Up.Ok(CC("max-age=600")))
            .Get(CC("no-store")).Body("response 1")
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 5.2.1.7", "only-if-cached with nothing stored: 504, upstream not asked")
            .Upstream(Up.Ok(CC("max-age=600")))
            .Get(CC("only-if-cached")).Status(504).UpstreamTotal(0);

        yield return C("RFC 9111 5.2.1.7", "only-if-cached with a fresh stored response: served")
            .Upstream(Up.Ok(CC("max-age=600")))
            .Get()
            .Advance(10).Get(CC("only-if-cached")).Status(200).Body("response 1").FromCache();

        yield return C("RFC 9111 5.2.1.7", "only-if-cached with only a stale stored response: 504")
            .Upstream(Up.Ok(CC("max-age=60")))
            .Get()
            .Advance(90).Get(CC("only-if-cached")).Status(504).FromCache();

        yield return C("RFC 9111 5.2.1.7, 5.2.1.2", "only-if-cached, max-stale with a stale stored response: served")
            .Upstream(Up.Ok(CC("max-age=60")))
            .Get()
            .Advance(90).Get(CC("only-if-cached, max-stale")).Status(200).Body("response 1").FromCache();

        yield return C("RFC 9111 5.4 (edge: conditional)", "request Pragma: no-cache without Cache-Control revalidates with If-None-Match")
            .Upstream(Up.Validating("\"v1\"", null, [CC("max-age=600")]))
            .Get()
            .Advance(1).Get(("Pragma", "no-cache")).Status(200).Body("response 1").UpstreamSaw("If-None-Match", "\"v1\"");

        yield return C("RFC 9111 5.4", "request Pragma: no-cache is ignored when Cache-Control is present")
            .Upstream(Up.Ok(CC("max-age=600")))
            .Get()
            .Advance(1).Get(("Pragma", "no-cache"), CC("max-age=600")).Body("response 1").FromCache();
    }

    // =============================================================================================
    // Vary: RFC 9111 section 4.1
    // =============================================================================================
    private static IEnumerable<ConformanceCase> Vary()
    {
        static ConformanceCase C(string rfc, string description) => new("Vary", rfc, description);

        static Reply Varying(string vary) => Up.Ok(CC("max-age=600"), ("Vary", vary));

        yield return C("RFC 9111 4.1", "two variants by Accept-Encoding are both stored and served to the right clients")
            .Upstream(Varying("Accept-Encoding"))
            .Get(("Accept-Encoding", "gzip")).Body("response 1")
            .Get(("Accept-Encoding", "br")).Body("response 2").WentUpstream()
            .Get(("Accept-Encoding", "gzip")).Body("response 1").FromCache()
            .Get(("Accept-Encoding", "br")).Body("response 2").FromCache();

        var normalised = new (string Header, string First, string Second, string What)[]
        {
            ("Accept-Encoding", "gzip, br", "gzip,br", "whitespace"),
            ("Accept-Encoding", "gzip, br", "br, gzip", "order"),
            ("Accept-Encoding", "gzip, br", "GZIP, BR", "case"),
            ("Accept-Language", "en-US, fr", "en-US,fr", "whitespace"),
            ("Accept-Language", "en-US, fr", "fr, en-US", "order"),
            ("Accept-Language", "en-US, fr", "EN-us, FR", "case"),
        };
        foreach (var (header, first, second, what) in normalised)
        {
            yield return C("RFC 9111 4.1 (edge: normalised)", $"{header} \"{first}\" and \"{second}\" select the same variant ({what})")
                .Upstream(Varying(header))
                .Get((header, first)).Body("response 1")
                .Get((header, second)).Body("response 1").FromCache();
        }

        yield return C("RFC 9111 4.1", "a header absent in one request and present in another selects different variants")
            .Upstream(Varying("Accept-Language"))
            .Get().Body("response 1")
            .Get(("Accept-Language", "en")).Body("response 2").WentUpstream()
            .Get().Body("response 1").FromCache()
            .Get(("Accept-Language", "en")).Body("response 2").FromCache();

        yield return C("RFC 9111 4.1", "Vary: * is never served from cache")
            .Upstream(Varying("*"))
            .Get()
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 4.1", "Vary on two headers: a variant matches only when both match")
            .Upstream(Varying("Accept-Encoding, Accept-Language"))
            .Get(("Accept-Encoding", "gzip"), ("Accept-Language", "en")).Body("response 1")
            .Get(("Accept-Encoding", "gzip"), ("Accept-Language", "fr")).Body("response 2").WentUpstream()
            .Get(("Accept-Encoding", "br"), ("Accept-Language", "en")).Body("response 3").WentUpstream()
            .Get(("Accept-Encoding", "gzip"), ("Accept-Language", "en")).Body("response 1").FromCache()
            .Get(("Accept-Encoding", "br"), ("Accept-Language", "en")).Body("response 3").FromCache();

        yield return C("RFC 9111 4.1, RFC 9110 12.5.5", "Vary on two field lines is the union of both")
            .Upstream(Up.Ok(CC("max-age=600"), ("Vary", "Accept-Encoding"), ("Vary", "Accept-Language")))
            .Get(("Accept-Encoding", "gzip"), ("Accept-Language", "en")).Body("response 1")
            .Get(("Accept-Encoding", "gzip"), ("Accept-Language", "fr")).Body("response 2").WentUpstream()
            .Get(("Accept-Encoding", "gzip"), ("Accept-Language", "en")).Body("response 1").FromCache();

        yield return C("RFC 9111 4.1", "Vary field names are case-insensitive (vary: accept-encoding)")
            .Upstream(Varying("accept-encoding"))
            .Get(("Accept-Encoding", "gzip")).Body("response 1")
            .Get(("Accept-Encoding", "gzip")).Body("response 1").FromCache()
            .Get(("Accept-Encoding", "br")).Body("response 2").WentUpstream();

        yield return C("RFC 9111 4.1", "Vary on a custom request header")
            .Upstream(Varying("X-Device"))
            .Get(("X-Device", "mobile")).Body("response 1")
            .Get(("X-Device", "desktop")).Body("response 2").WentUpstream()
            .Get(("X-Device", "mobile")).Body("response 1").FromCache();

        yield return C("RFC 9211 2.2", "a stored URL without the requested variant reports fwd=vary-miss")
            .Upstream(Varying("Accept-Encoding"))
            .Get(("Accept-Encoding", "gzip")).CacheStatusParam("fwd", "uri-miss")
            .Get(("Accept-Encoding", "br")).WentUpstream().CacheStatusParam("fwd", "vary-miss");
    }

    // =============================================================================================
    // Serving stale: RFC 5861 (stale-while-revalidate, stale-if-error), RFC 9111 4.2.4; operator grace
    // =============================================================================================
    private static IEnumerable<ConformanceCase> Stale()
    {
        static ConformanceCase C(string rfc, string description) => new("Stale", rfc, description);

        yield return C("RFC 5861 3", "stale-while-revalidate: stale copy served at once, one background refresh, then the new body")
            .Upstream(Up.Ok(CC("max-age=60, stale-while-revalidate=60")))
            .Get().Body("response 1")
            .Advance(30 + 60).Get().Status(200).Body("response 1").HeaderContains("Cache-Status", "stale").EventuallyUpstreamTotal(2)
            .Get().RetryUntilBody("response 2").Status(200).UpstreamTotal(2);

        yield return C("RFC 5861 3", "stale-while-revalidate under 20 concurrent requests: all served stale at once, exactly one upstream request")
            .Upstream(r => r.Number == 1
                ? Up.Ok(CC("max-age=60, stale-while-revalidate=60"))
                : Up.Ok(CC("max-age=60, stale-while-revalidate=60")) with { Hold = true })
            .Get().Body("response 1")
            .Advance(90).Get().Concurrently(20).Status(200).Body("response 1").EventuallyUpstreamTotal(2)
            .Get().RetryUntilBody("response 2").UpstreamTotal(2);

        yield return C("RFC 5861 3", "beyond stale-while-revalidate the fetch is synchronous")
            .Upstream(Up.Ok(CC("max-age=60, stale-while-revalidate=60")))
            .Get()
            .Advance(150).Get().Status(200).Body("response 2").UpstreamTotal(2);

        foreach (var status in new[] { 500, 502, 503, 504 })
        {
            yield return C("RFC 5861 4", $"stale-if-error: upstream {status} within the window serves the stale copy")
                .Upstream(r => r.Number == 1 ? Up.Ok(CC("max-age=60, stale-if-error=600")) : Up.Status(status))
                .Get()
                .Advance(90).Get().Status(200).Body("response 1").WentUpstream();
        }

        yield return C("RFC 5861 4", "stale-if-error: upstream closing the connection within the window serves the stale copy")
            .Upstream(r => r.Number == 1 ? Up.Ok(CC("max-age=60, stale-if-error=600")) : Up.Abort())
            .Get()
            .Advance(90).Get().Status(200).Body("response 1");

        yield return C("RFC 5861 4", "stale-if-error: upstream refusing connections within the window serves the stale copy")
            .Upstream(Up.Ok(CC("max-age=60, stale-if-error=600")))
            .Get()
            .Advance(90).StopUpstream().Get().Status(200).Body("response 1");

        yield return C("RFC 5861 4", "stale-if-error: beyond the window the upstream's 503 reaches the client")
            .Upstream(r => r.Number == 1 ? Up.Ok(CC("max-age=60, stale-if-error=600")) : Up.Status(503))
            .Get()
            .Advance(60 + 600 + 60).Get().Status(503).WentUpstream();

        yield return C("RFC 5861 4", "stale-if-error: beyond the window an unreachable upstream is an error, not the stale copy")
            .Upstream(Up.Ok(CC("max-age=60, stale-if-error=600")))
            .Get()
            .Advance(60 + 600 + 60).StopUpstream().Get().StatusNot(200).BodyNot("response 1");

        yield return C("RFC 5861 4", "stale-if-error does not apply to a 404: the new answer reaches the client")
            .Upstream(r => r.Number == 1 ? Up.Ok(CC("max-age=60, stale-if-error=600")) : Up.Status(404))
            .Get()
            .Advance(90).Get().Status(404).Body("response 2");

        yield return C("Edge:Grace (edge choice)", "grace serves a stale response at once with one background refresh")
            .Setting("Edge:Grace", "00:01:00")
            .Upstream(Up.Ok(CC("max-age=60")))
            .Get()
            .Advance(90).Get().Status(200).Body("response 1").EventuallyUpstreamTotal(2)
            .Get().RetryUntilBody("response 2").UpstreamTotal(2);

        yield return C("Edge:Grace (edge choice)", "beyond grace the fetch is synchronous")
            .Setting("Edge:Grace", "00:01:00")
            .Upstream(Up.Ok(CC("max-age=60")))
            .Get()
            .Advance(150).Get().Body("response 2").UpstreamTotal(2);

        yield return C("Edge:Grace, RFC 9111 4.2.4", "grace does not apply to must-revalidate")
            .Setting("Edge:Grace", "00:01:00")
            .Upstream(Up.Ok(CC("max-age=60, must-revalidate")))
            .Get()
            .Advance(90).Get().Body("response 2").UpstreamTotal(2);

        yield return C("Edge:Grace, RFC 9111 4.2.4", "grace does not apply to no-cache")
            .Setting("Edge:Grace", "00:01:00")
            .Upstream(Up.Ok(CC("no-cache")))
            .Get()
            .Advance(10).Get().Body("response 2").UpstreamTotal(2);

        yield return C("Edge:ErrorGrace (edge choice)", "error grace serves the stale copy when the upstream answers 503")
            .Setting("Edge:ErrorGrace", "00:10:00")
            .Upstream(r => r.Number == 1 ? Up.Ok(CC("max-age=60")) : Up.Status(503))
            .Get()
            .Advance(90).Get().Status(200).Body("response 1").WentUpstream();

        yield return C("Edge:ErrorGrace (edge choice)", "error grace serves the stale copy when the upstream refuses connections")
            .Setting("Edge:ErrorGrace", "00:10:00")
            .Upstream(Up.Ok(CC("max-age=60")))
            .Get()
            .Advance(90).StopUpstream().Get().Status(200).Body("response 1");

        yield return C("Edge:ErrorGrace (edge choice)", "beyond error grace the upstream's 503 reaches the client")
            .Setting("Edge:ErrorGrace", "00:10:00")
            .Upstream(r => r.Number == 1 ? Up.Ok(CC("max-age=60")) : Up.Status(503))
            .Get()
            .Advance(60 + 600 + 60).Get().Status(503);

        yield return C("Edge:ErrorGrace, RFC 9111 4.2.4", "error grace does not apply to must-revalidate")
            .Setting("Edge:ErrorGrace", "00:10:00")
            .Upstream(r => r.Number == 1 ? Up.Ok(CC("max-age=60, must-revalidate")) : Up.Status(503))
            .Get()
            .Advance(90).Get().Status(503);

        yield return C("Edge:ErrorGrace, RFC 9111 4.2.4", "error grace does not apply to no-cache")
            .Setting("Edge:ErrorGrace", "00:10:00")
            .Upstream(r => r.Number == 1 ? Up.Ok(CC("no-cache")) : Up.Status(503))
            .Get()
            .Advance(10).Get().Status(503);
    }

    // =============================================================================================
    // Range requests: RFC 9110 section 14, 13.1.5; RFC 9111 3.3-3.4
    // =============================================================================================
    private static IEnumerable<ConformanceCase> Ranges()
    {
        static ConformanceCase C(string rfc, string description) => new("Ranges", rfc, description);

        const string Twenty = "0123456789abcdefghij";
        static Reply Stored(string etag = "\"r\"") => Up.Ok(Twenty, ETag(etag), LastModified("{t:-86400}"), CC("max-age=600"));

        ConformanceCase Partial(string description, string range, string contentRange, string body)
            => C("RFC 9110 14.2, 14.4, 15.3.7", description)
                .Upstream(Stored())
                .Get().Body(Twenty)
                .Get(("Range", range)).Status(206).Header("Content-Range", contentRange).Body(body)
                .Header("Content-Length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Header("ETag", "\"r\"").FromCache();

        yield return Partial("bytes=0-4 on a stored 200: 206 with Content-Range and the exact bytes", "bytes=0-4", "bytes 0-4/20", "01234");
        yield return Partial("suffix range bytes=-5: the last five bytes", "bytes=-5", "bytes 15-19/20", "fghij");
        yield return Partial("open range bytes=10-: from byte 10 to the end", "bytes=10-", "bytes 10-19/20", "abcdefghij");
        yield return Partial("last-pos beyond the end is truncated (bytes=15-100)", "bytes=15-100", "bytes 15-19/20", "fghij");

        var lines = string.Concat(Enumerable.Range(0, 30).Select(i => $"line {i:D3}\n"));
        yield return C("RFC 9110 14.6, 15.3.7.2", "two distant ranges: 206 multipart/byteranges with each part correct")
            .Upstream(Up.Ok(lines, CC("max-age=600"), ETag("\"m\"")))
            .Get()
            .Get(("Range", "bytes=0-9,200-209")).Status(206).FromCache()
            .Check("multipart/byteranges parts 0-9 and 200-209", r => ByteRanges(r, lines, (0, 9), (200, 209)));

        yield return C("RFC 9110 14.2, 15.5.17", "unsatisfiable bytes=1000- on a 20-byte body: 416 with Content-Range: bytes */20")
            .Upstream(Stored())
            .Get()
            .Get(("Range", "bytes=1000-")).Status(416).Header("Content-Range", "bytes */20").FromCache();

        yield return C("RFC 9110 14.2 (edge: ignore)", "invalid Range syntax is ignored: full 200")
            .Upstream(Stored())
            .Get()
            .Get(("Range", "bytes=abc")).Status(200).Body(Twenty).FromCache();

        yield return C("RFC 9110 14.2", "an unknown range unit is ignored: full 200")
            .Upstream(Stored())
            .Get()
            .Get(("Range", "items=0-4")).Status(200).Body(Twenty).FromCache();

        yield return C("RFC 9110 13.1.5", "If-Range with the matching strong ETag: 206")
            .Upstream(Stored())
            .Get()
            .Get(("Range", "bytes=0-4"), ("If-Range", "\"r\"")).Status(206).Body("01234").FromCache();

        yield return C("RFC 9110 13.1.5", "If-Range with a different ETag: full 200")
            .Upstream(Stored())
            .Get()
            .Get(("Range", "bytes=0-4"), ("If-Range", "\"x\"")).Status(200).Body(Twenty).FromCache();

        yield return C("RFC 9110 13.1.5", "If-Range with a weak ETag never matches: full 200")
            .Upstream(Stored("W/\"r\""))
            .Get()
            .Get(("Range", "bytes=0-4"), ("If-Range", "W/\"r\"")).Status(200).Body(Twenty).FromCache();

        yield return C("RFC 9110 13.1.5, 8.8.2.2", "If-Range with a date equal to a strong Last-Modified: 206")
            .Upstream(Stored())
            .Get()
            .Get(("Range", "bytes=0-4"), ("If-Range", "{t:-86400}")).Status(206).Body("01234").FromCache();

        yield return C("RFC 9110 13.1.5", "If-Range with a date other than Last-Modified: full 200")
            .Upstream(Stored())
            .Get()
            .Get(("Range", "bytes=0-4"), ("If-Range", "{t:-3600}")).Status(200).Body(Twenty).FromCache();

        yield return C("RFC 9111 3.4 (edge: full fetch)", "Range on a miss: 206 for the client, full request upstream, next GET is a hit")
            .Upstream(Stored())
            .Get(("Range", "bytes=0-4")).Status(206).Header("Content-Range", "bytes 0-4/20").Body("01234").UpstreamSawNo("Range").UpstreamTotal(1)
            .Get().Status(200).Body(Twenty).FromCache();

        yield return C("RFC 9111 3.3", "an upstream 206 to a plain GET is never stored as the full response")
            .Upstream(Up.Status(206, ("Content-Range", "bytes 0-4/20"), CC("max-age=600"), ETag("\"r\"")) with { Body = "01234" })
            .Get()
            .Get().WentUpstream().UpstreamTotal(2);
    }

    // =============================================================================================
    // Invalidation by unsafe methods: RFC 9111 section 4.4
    // =============================================================================================
    private static IEnumerable<ConformanceCase> Invalidation()
    {
        static ConformanceCase C(string rfc, string description) => new("Invalidation", rfc, description);

        static Func<UpstreamRequest, Reply> Script(Reply unsafeReply)
            => r => r.Method is "GET" or "HEAD" ? Up.Ok(CC("max-age=600")) : unsafeReply;

        foreach (var (method, status) in new[] { ("POST", 200), ("PUT", 201), ("DELETE", 204), ("PATCH", 200), ("POST", 303) })
        {
            yield return C("RFC 9111 4.4", $"{method} answered {status} invalidates the stored GET for the URL")
                .Upstream(Script(Up.Status(status, ("Location", "/elsewhere"))))
                .Get().Body("response 1")
                .Send(method, "/r", "data").Status(status)
                .Get().Body("response 3").WentUpstream();
        }

        foreach (var (field, value, kind) in new[]
        {
            ("Location", "/r", "relative"),
            ("Location", "{edge}/r", "absolute"),
            ("Content-Location", "/r", "relative"),
            ("Content-Location", "{edge}/r", "absolute"),
        })
        {
            yield return C("RFC 9111 4.4 (edge: invalidates)", $"POST elsewhere invalidates the same-origin {kind} {field} URL")
                .Upstream(Script(Up.Status(201, (field, value))))
                .Get().Body("response 1")
                .Send("POST", "/other", "data").Status(201)
                .Get().Body("response 3").WentUpstream();
        }

        yield return C("RFC 9111 4.4", "a Location of a different origin does not invalidate")
            .Upstream(Script(Up.Status(201, ("Location", "http://other.example/r"))))
            .Get()
            .Send("POST", "/other", "data").Status(201)
            .Get().Body("response 1").FromCache();

        foreach (var status in new[] { 404, 500 })
        {
            yield return C("RFC 9111 4.4", $"a failed ({status}) POST invalidates nothing")
                .Upstream(Script(Up.Status(status)))
                .Get()
                .Send("POST", "/r", "data").Status(status)
                .Get().Body("response 1").FromCache();
        }

        yield return C("RFC 9111 4.4", "POST invalidates every stored variant of the URL")
            .Upstream(r => r.Method == "POST" ? Up.Ok() : Up.Ok(CC("max-age=600"), ("Vary", "Accept-Encoding")))
            .Get(("Accept-Encoding", "gzip")).Body("response 1")
            .Get(("Accept-Encoding", "br")).Body("response 2")
            .Send("POST", "/r", "data").Status(200)
            .Get(("Accept-Encoding", "gzip")).Body("response 4").WentUpstream()
            .Get(("Accept-Encoding", "br")).Body("response 5").WentUpstream();
    }

    // =============================================================================================
    // Methods: HEAD, POST, RFC 9111 4.3.5
    // =============================================================================================
    private static IEnumerable<ConformanceCase> Methods()
    {
        static ConformanceCase C(string rfc, string description) => new("Methods", rfc, description);

        yield return C("RFC 9110 9.3.2, RFC 9111 4", "HEAD is answered from a stored GET: no body, same headers, Content-Length")
            .Upstream(Up.Ok(CC("max-age=600"), ETag("\"h\""), ("X-Custom", "yes")))
            .Get().Body("response 1")
            .Head().Status(200).EmptyBody().Header("Content-Length", "10").Header("ETag", "\"h\"").Header("X-Custom", "yes")
            .Header("Cache-Control", "max-age=600").FromCache();

        yield return C("RFC 9110 9.3.2 (edge: fetch GET)", "HEAD on a miss stores the GET: a GET afterwards is a hit")
            .Upstream(Up.Ok(CC("max-age=600")))
            .Head().Status(200).EmptyBody().Header("Content-Length", "10").UpstreamTotal(1)
            .Get().Status(200).Body("response 1").FromCache();

        yield return C("RFC 9111 2, 4", "POST responses are not reused for POST")
            .Upstream(Up.Ok(CC("max-age=600")))
            .Send("POST", "/r", "a").Body("response 1")
            .Send("POST", "/r", "a").Body("response 2").WentUpstream();

        yield return C("RFC 9111 4.3.5", "a HEAD that goes upstream and returns a different ETag stops reuse of the stored GET")
            .Upstream(r => r.Method == "HEAD"
                ? Up.Ok(CC("max-age=600"), ETag("\"v2\""))
                : Up.Ok(CC("max-age=600"), ETag($"\"v{r.Number}\"")))
            .Get().Body("response 1")
            .Head(CC("no-cache")).Status(200).EmptyBody().WentUpstream()
            .Get().Status(200).BodyNot("response 1");

        yield return C("RFC 9111 4.3.5", "a HEAD that goes upstream and returns the same ETag leaves the stored GET usable")
            .Upstream(Up.Validating("\"v1\"", null, [CC("max-age=600")]))
            .Get().Body("response 1")
            .Head(CC("no-cache")).Status(200).EmptyBody().WentUpstream()
            .Get().Status(200).FromCache();

        yield return C("RFC 9110 10.1.1, 15.2.1", "POST with Expect: 100-continue through the edge works")
            .Upstream(r => Up.Ok($"got {Encoding.UTF8.GetString(r.Body)}"))
            .Send("POST", "/upload", "payload", ("Expect", "100-continue"), ("Content-Type", "text/plain")).Status(200).Body("got payload");
    }

    // =============================================================================================
    // Set-Cookie, Age, Cache-Status: RFC 9111 5.1, 4.2.3; RFC 9211
    // =============================================================================================
    private static IEnumerable<ConformanceCase> StatusAndHeaders()
    {
        static ConformanceCase C(string rfc, string description) => new("Headers", rfc, description);

        yield return C("RFC 9111 3 (edge default)", "a response with Set-Cookie is not stored by default")
            .Upstream(Up.Ok(CC("max-age=600"), ("Set-Cookie", "session=abc")))
            .Get().Header("Set-Cookie", "session=abc")
            .Get().Body("response 2").WentUpstream();

        yield return C("RFC 9111 3, 7.3 (edge: Edge:StoreSetCookie)", "with StoreSetCookie the response is stored but served without Set-Cookie")
            .Setting("Edge:StoreSetCookie", "true")
            .Upstream(Up.Ok(CC("max-age=600"), ("Set-Cookie", "session=abc")))
            .Get().Header("Set-Cookie", "session=abc")
            .Advance(5).Get().Body("response 1").HeaderAbsent("Set-Cookie").FromCache();

        yield return C("RFC 9111 5.1, 4.2.3", "Age on a hit is present and grows with the clock")
            .Upstream(Up.Ok(CC("max-age=600")))
            .Get()
            .Advance(10).Get().FromCache().Header("Age", "10")
            .Advance(20).Get().FromCache().Header("Age", "30");

        yield return C("RFC 9111 4.2.3", "Age on a hit includes the upstream's Age")
            .Upstream(Up.Ok(CC("max-age=600"), ("Age", "30")))
            .Get()
            .Advance(10).Get().FromCache().Header("Age", "40");

        yield return C("RFC 9111 4.2.3", "Age on a hit includes the apparent age from Date")
            .Upstream(Up.Ok(CC("max-age=600"), ("Date", "{now:-100}")))
            .Get()
            .Advance(10).Get().FromCache().Header("Age", "110");

        yield return C("RFC 9211 2.1, 2.4", "a hit reports hit and the remaining freshness as ttl")
            .Upstream(Up.Ok(CC("max-age=60")))
            .Get()
            .Advance(10).Get().FromCache().CacheStatusHit().CacheStatusParam("ttl", "50");

        yield return C("RFC 9211 2.2, 2.3, 2.5", "a first request reports fwd=uri-miss, fwd-status=200, stored and no hit")
            .Upstream(Up.Ok(CC("max-age=60")))
            .Get().CacheStatusParam("fwd", "uri-miss").CacheStatusParam("fwd-status", "200").CacheStatusParam("stored").CacheStatusNoParam("hit");

        yield return C("RFC 9211 2.3", "fwd-status is the upstream's status")
            .Upstream(Up.Status(404, CC("max-age=60")))
            .Get().Status(404).CacheStatusParam("fwd", "uri-miss").CacheStatusParam("fwd-status", "404");

        yield return C("RFC 9211 2.5", "a response that is not stored does not report stored")
            .Upstream(Up.Ok(CC("no-store")))
            .Get().CacheStatusNoParam("stored").CacheStatusNoParam("hit");

        yield return C("RFC 9211 2.2", "a stale stored response reports fwd=stale")
            .Upstream(Up.Ok(CC("max-age=60")))
            .Get()
            .Advance(61).Get().WentUpstream().CacheStatusParam("fwd", "stale").CacheStatusParam("fwd-status", "200");

        yield return C("RFC 9211 2.2", "a fresh stored response bypassed by request no-cache reports fwd=request")
            .Upstream(Up.Ok(CC("max-age=600")))
            .Get()
            .Advance(1).Get(CC("no-cache")).WentUpstream().CacheStatusParam("fwd", "request");
    }

    /// <summary>Checks a multipart/byteranges body against the expected ranges of <paramref name="full"/>.</summary>
    private static string? ByteRanges(Response response, string full, params (int From, int To)[] ranges)
    {
        var type = response.Header("Content-Type");
        if (type is null || !type.StartsWith("multipart/byteranges", StringComparison.OrdinalIgnoreCase))
        {
            return $"Content-Type was \"{type}\"";
        }

        var boundary = type.Split(';').Select(p => p.Trim())
            .FirstOrDefault(p => p.StartsWith("boundary=", StringComparison.OrdinalIgnoreCase))?["boundary=".Length..].Trim('"');
        if (string.IsNullOrEmpty(boundary))
        {
            return $"no boundary in \"{type}\"";
        }

        var text = Encoding.Latin1.GetString(response.Body);
        var parts = text.Split("--" + boundary).Skip(1).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
        if (parts.Count != ranges.Length)
        {
            return $"{parts.Count} parts instead of {ranges.Length}";
        }

        for (var i = 0; i < ranges.Length; i++)
        {
            var (from, to) = ranges[i];
            var part = parts[i];
            var headerEnd = part.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headerEnd < 0)
            {
                return $"part {i + 1} has no header section";
            }

            var contentRange = part[..headerEnd].Split("\r\n")
                .Select(l => l.Split(':', 2))
                .Where(l => l.Length == 2 && l[0].Trim().Equals("Content-Range", StringComparison.OrdinalIgnoreCase))
                .Select(l => l[1].Trim())
                .FirstOrDefault();
            var expectedRange = $"bytes {from}-{to}/{full.Length}";
            if (contentRange != expectedRange)
            {
                return $"part {i + 1} Content-Range was \"{contentRange}\", expected \"{expectedRange}\"";
            }

            var data = part[(headerEnd + 4)..];
            if (data.EndsWith("\r\n", StringComparison.Ordinal))
            {
                data = data[..^2];
            }

            if (data != full[from..(to + 1)])
            {
                return $"part {i + 1} data was \"{data}\"";
            }
        }

        return null;
    }
}
