using EdgeCache.Edge.Admin;
using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Tls;

/// <summary>
/// Sends plain HTTP requests to the HTTPS address (<see cref="TlsOptions.RedirectHttp"/>; 301 for
/// GET and HEAD, 308 otherwise so the method and body are kept) and adds
/// <c>Strict-Transport-Security</c> to HTTPS responses (never to plain ones, RFC 6797 section 7.2).
/// </summary>
internal sealed partial class TransportSecurityMiddleware
{
    private const string HealthPath = EdgeAdminEndpoints.Prefix + "/health";

    private readonly RequestDelegate _next;
    private readonly IServer _server;
    private readonly ILogger<TransportSecurityMiddleware> _logger;
    private readonly bool _redirect;
    private readonly StringValues _hsts;
    private string? _httpsPortSuffix;

    public TransportSecurityMiddleware(RequestDelegate next, IServer server, IOptions<EdgeOptions> options, ILogger<TransportSecurityMiddleware> logger)
    {
        _next = next;
        _server = server;
        _logger = logger;
        _redirect = options.Value.Tls.RedirectHttp;
        _hsts = options.Value.Tls.HstsHeader();
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.IsHttps)
        {
            if (_hsts.Count > 0)
            {
                context.Response.Headers.StrictTransportSecurity = _hsts;
            }

            return _next(context);
        }

        if (!_redirect || context.Request.Path.Equals(HealthPath, StringComparison.OrdinalIgnoreCase))
        {
            return _next(context);
        }

        var host = context.Request.Host;
        if (!host.HasValue)
        {
            LogNoHost(_logger, context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("Bad request: a Host header is needed to redirect to HTTPS\n");
        }

        // The target as the client sent it: decoding and encoding the path again could change it.
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw && raw[0] == '/'
            ? raw
            : context.Request.PathBase + context.Request.Path + context.Request.QueryString;
        var method = context.Request.Method;
        context.Response.StatusCode = HttpMethods.IsGet(method) || HttpMethods.IsHead(method)
            ? StatusCodes.Status301MovedPermanently
            : StatusCodes.Status308PermanentRedirect;
        context.Response.Headers.Location = "https://" + host.Host + HttpsPortSuffix() + target;
        context.Response.Headers.CacheControl = "max-age=3600";
        return Task.CompletedTask;
    }

    /// <summary><c>:PORT</c> of the first HTTPS address, or nothing for 443; read once the server listens, so port 0 is resolved.</summary>
    private string HttpsPortSuffix()
    {
        if (_httpsPortSuffix is { } known)
        {
            return known;
        }

        var addresses = _server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var https = addresses.Select(address => new Uri(address)).FirstOrDefault(uri => uri.Scheme == Uri.UriSchemeHttps);
        return _httpsPortSuffix = https is null || https.Port == 443 ? string.Empty : ":" + https.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not redirect a request from {Client} to HTTPS: it has no Host header")]
    private static partial void LogNoHost(ILogger logger, string client);
}
