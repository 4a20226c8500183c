using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Http;

/// <summary>What a request's preconditions make of the selected representation.</summary>
internal enum PreconditionOutcome
{
    /// <summary>Every precondition holds, or none applies: answer as if there were none.</summary>
    Proceed,

    /// <summary>Answer <c>304 Not Modified</c> (GET and HEAD only).</summary>
    NotModified,

    /// <summary>Answer <c>412 Precondition Failed</c>.</summary>
    PreconditionFailed,
}

/// <summary>The validators of the selected (stored) representation.</summary>
/// <param name="ETag">The <c>ETag</c> field value as stored, or null.</param>
/// <param name="LastModified">The parsed <c>Last-Modified</c>, or null.</param>
/// <param name="Date">
/// The parsed <c>Date</c>. Where the stored response had none, the time it was received stands
/// in, as RFC 9111 section 4.3.2 does for <c>If-Modified-Since</c>.
/// </param>
internal readonly record struct Validators(string? ETag, DateTimeOffset? LastModified, DateTimeOffset? Date);

/// <summary>
/// RFC 9110 section 13 conditional requests, evaluated against a stored response when the
/// edge answers from cache. The caller evaluates only where a 2xx would otherwise be sent
/// (section 13.2.1) and adds <c>Age</c> and <c>Cache-Status</c> to a 304 as to any hit.
/// </summary>
internal static class Preconditions
{
    /// <summary>
    /// Evaluates the request's preconditions in the order of RFC 9110 section 13.2.2:
    /// <c>If-Match</c>, else <c>If-Unmodified-Since</c>; then <c>If-None-Match</c>, else (GET and
    /// HEAD only) <c>If-Modified-Since</c>. <c>If-Range</c> is <see cref="IfRangeAllows"/>.
    /// </summary>
    /// <remarks>
    /// RFC 9111 section 4.3.2 calls <c>If-Match</c> and <c>If-Unmodified-Since</c> not
    /// applicable to a cache; they are evaluated here against the stored response, which is
    /// what the origin would do while that response is current. A caller that would rather
    /// leave them to the origin forwards such requests instead.
    /// Dates compare in whole seconds, the resolution of an HTTP-date.
    /// </remarks>
    public static PreconditionOutcome Evaluate(IHeaderDictionary requestHeaders, Validators representation, bool isGetOrHead)
    {
        // Step 1: a malformed If-Match is false (section 13.1.1, "otherwise"), so it fails
        // rather than being ignored: it guards against acting on a different representation.
        var ifMatch = EntityTag.MatchList(requestHeaders.IfMatch, representation.ETag, EntityTagComparison.Strong);
        if (ifMatch != EntityTagListMatch.Absent)
        {
            if (ifMatch != EntityTagListMatch.Match)
            {
                return PreconditionOutcome.PreconditionFailed;
            }
        }
        else if (representation.LastModified is { } lastModified
            && TryReadSingleDate(requestHeaders.IfUnmodifiedSince, out var unmodifiedSince)
            && Seconds(lastModified) > Seconds(unmodifiedSince))
        {
            // Step 2. Without a Last-Modified the field is ignored (section 13.1.4): the stored
            // Date says when the response was generated, not when the resource last changed.
            return PreconditionOutcome.PreconditionFailed;
        }

        // Step 3: a present If-None-Match, even a malformed one (condition true), decides
        // alone; If-Modified-Since is only consulted when it is absent.
        var ifNoneMatch = EntityTag.MatchList(requestHeaders.IfNoneMatch, representation.ETag, EntityTagComparison.Weak);
        if (ifNoneMatch != EntityTagListMatch.Absent)
        {
            if (ifNoneMatch == EntityTagListMatch.Match)
            {
                return isGetOrHead ? PreconditionOutcome.NotModified : PreconditionOutcome.PreconditionFailed;
            }

            return PreconditionOutcome.Proceed;
        }

        // Step 4, with RFC 9111 section 4.3.2's fallback to Date when there is no Last-Modified.
        if (isGetOrHead
            && (representation.LastModified ?? representation.Date) is { } modified
            && TryReadSingleDate(requestHeaders.IfModifiedSince, out var modifiedSince)
            && Seconds(modified) <= Seconds(modifiedSince))
        {
            return PreconditionOutcome.NotModified;
        }

        return PreconditionOutcome.Proceed;
    }

    /// <summary>
    /// True when a <c>Range</c> header may be honoured as far as <c>If-Range</c> goes (RFC 9110
    /// section 13.1.5): there is no <c>If-Range</c>, or it holds an entity tag that strongly
    /// matches the stored <c>ETag</c>, or an HTTP-date exactly equal to a <c>Last-Modified</c>
    /// that is a strong validator. False means: ignore <c>Range</c> and send the whole
    /// representation. Whether there is a <c>Range</c> at all is the caller's to check.
    /// </summary>
    /// <remarks>
    /// Anything else is false, which is never wrong: a weak entity tag (strong comparison
    /// never matches it), a value that is neither an entity tag nor a date (empty included),
    /// and more than one field line. <c>Last-Modified</c> is strong only when <c>Date</c> is at
    /// least a second later (section 8.8.2.2); without a <c>Date</c> a date never matches.
    /// </remarks>
    public static bool IfRangeAllows(IHeaderDictionary requestHeaders, Validators representation)
    {
        var ifRange = requestHeaders.IfRange;
        if (ifRange.Count == 0)
        {
            return true;
        }

        if (ifRange.Count > 1)
        {
            return false;
        }

        var value = ifRange[0].AsSpan().Trim(" \t");

        // An HTTP-date starts with a day name, so a quote or W/ means an entity tag.
        if (value.StartsWith('"') || value.StartsWith("W/", StringComparison.Ordinal))
        {
            return EntityTag.TryParse(value, out var tag)
                && EntityTag.TryParse(representation.ETag, out var current)
                && tag.Matches(current, EntityTagComparison.Strong);
        }

        return representation is { LastModified: { } lastModified, Date: { } date }
            && HeaderUtilities.TryParseDate(ifRange[0], out var since)
            && Seconds(since) == Seconds(lastModified)
            && Seconds(date) - Seconds(lastModified) >= 1;
    }

    /// <summary>
    /// True for the stored header fields a 304 carries (RFC 9110 section 15.4.5):
    /// <c>Cache-Control</c>, <c>Content-Location</c>, <c>Date</c>, <c>ETag</c>, <c>Expires</c>,
    /// <c>Vary</c>, and <c>Last-Modified</c>, which lets caches downstream update by date.
    /// </summary>
    public static bool BelongsInNotModified(string headerName)
        => headerName.Equals(HeaderNames.CacheControl, StringComparison.OrdinalIgnoreCase)
            || headerName.Equals(HeaderNames.ContentLocation, StringComparison.OrdinalIgnoreCase)
            || headerName.Equals(HeaderNames.Date, StringComparison.OrdinalIgnoreCase)
            || headerName.Equals(HeaderNames.ETag, StringComparison.OrdinalIgnoreCase)
            || headerName.Equals(HeaderNames.Expires, StringComparison.OrdinalIgnoreCase)
            || headerName.Equals(HeaderNames.Vary, StringComparison.OrdinalIgnoreCase)
            || headerName.Equals(HeaderNames.LastModified, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Reads an <c>If-Modified-Since</c> or <c>If-Unmodified-Since</c>. More than one field line,
    /// a list, or an invalid date reads as nothing: sections 13.1.3 and 13.1.4 say to ignore the field.
    /// </summary>
    private static bool TryReadSingleDate(StringValues fieldLines, out DateTimeOffset date)
    {
        date = default;
        return fieldLines.Count == 1 && HeaderUtilities.TryParseDate(fieldLines[0], out date);
    }

    private static long Seconds(DateTimeOffset value) => value.ToUnixTimeSeconds();
}
