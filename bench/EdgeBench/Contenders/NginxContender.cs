using EdgeCache.Bench.Tls;

namespace EdgeCache.Bench.Contenders;

/// <summary>
/// nginx with <c>proxy_cache</c> and one worker process, configured as a user tuning it for
/// speed would: sendfile, keep-alive without a request limit (nginx's default of 1,000 requests
/// per connection would make wrk reconnect), and <c>proxy_cache_lock</c> so misses collapse.
/// Over TLS it also keeps a session cache, as a tuned HTTPS site would; nginx turns sendfile off
/// on TLS connections itself (without kTLS, which Debian's build leaves off unless configured).
/// </summary>
internal sealed class NginxContender(string workDirectory, BenchCertificate? certificate = null)
    : Contender("nginx", workDirectory, certificate)
{
    protected override (string Program, IReadOnlyList<string> Arguments) Command(string upstreamUrl)
    {
        var cache = Directory.CreateDirectory(Path.Combine(WorkDirectory, "cache")).FullName;
        // nginx's worker runs as an unprivileged user and writes the cache and its temp files.
        foreach (var directory in new[] { WorkDirectory, cache })
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0x1FF);
        }

        var config = Path.Combine(WorkDirectory, "nginx.conf");
        File.WriteAllText(config, $$"""
            worker_processes 1;
            daemon off;
            pid {{WorkDirectory}}/nginx.pid;
            error_log {{WorkDirectory}}/error.log warn;
            events { worker_connections 8192; }
            http {
                access_log off;
                sendfile on;
                tcp_nodelay on;
                keepalive_requests 100000000;
                keepalive_timeout 65;
                client_body_temp_path {{WorkDirectory}}/client_body;
                proxy_temp_path {{WorkDirectory}}/proxy_temp;
                fastcgi_temp_path {{WorkDirectory}}/fastcgi_temp;
                uwsgi_temp_path {{WorkDirectory}}/uwsgi_temp;
                scgi_temp_path {{WorkDirectory}}/scgi_temp;
                proxy_cache_path {{cache}} levels=1:2 keys_zone=edge:64m max_size=4g inactive=1d use_temp_path=off;
                upstream origin {
                    server {{new Uri(upstreamUrl).Authority}};
                    keepalive 64;
                }
                server {
                    listen 127.0.0.1:{{Port}}{{(Certificate is null ? "" : " ssl")}} backlog=4096;{{TlsDirectives()}}
                    location / {
                        proxy_pass http://origin;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_cache edge;
                        proxy_cache_lock on;
                        proxy_cache_lock_timeout 30s;
                        proxy_cache_lock_age 30s;
                        add_header Cache-Status $upstream_cache_status;
                    }
                }
            }
            """);
        return ("nginx", ["-p", WorkDirectory, "-c", config]);
    }

    /// <summary>The server block's TLS settings, each on a line of its own after <c>listen</c>; none over plain HTTP.</summary>
    private string TlsDirectives() => Certificate is null ? string.Empty : $"""

                ssl_certificate {Certificate.CertificatePath};
                ssl_certificate_key {Certificate.KeyPath};
                ssl_protocols TLSv1.2 TLSv1.3;
                ssl_session_cache shared:SSL:10m;
        """;

    public override bool IsHit(HttpResponseMessage response)
        => response.Headers.TryGetValues("Cache-Status", out var values) && values.Contains("HIT");
}
