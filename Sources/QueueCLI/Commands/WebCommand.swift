import QueueCore
import QueueWeb

/// `queuectl web`: the HTTP JSON API and `/metrics` on this spool (see README, "Web API").
struct WebCommand: Command {
    static let name = "web"
    static let abstract = """
        Serve the dashboard (/), the JSON API (/api/...) and Prometheus /metrics over HTTP. Binds
        127.0.0.1 by default; any other --host requires --token, which every request must then send
        as "Authorization: Bearer T" or as Basic auth with T as password (else 401).
        --read-only refuses every change (403). Prints
        "listening on http://HOST:PORT" (--port 0: any free port); SIGTERM/SIGINT stop it.
        """
    static let usage = "[--host 127.0.0.1] [--port 8080] [--read-only] [--token T]"
    static let summary = "Serve the dashboard, the JSON API and /metrics over HTTP"
    static let options: [OptionSpec] = [
        .value("--host", placeholder: "ADDRESS", default: "127.0.0.1", help: "IPv4 address to bind; not loopback requires --token"),
        .value("--port", placeholder: "PORT", default: "8080", help: "TCP port (0: any free port)"),
        .flag("--read-only", help: "refuse every change (403)"),
        .value("--token", placeholder: "T", help: "require \"Authorization: Bearer T\" (or Basic auth with T as password)"),
    ]
    static let examples = ["web --port 8080 --read-only"]
    var host: String
    var port: Int
    var readOnly: Bool
    var token: String?

    init(_ args: inout Arguments) throws {
        host = try args.option("--host") ?? "127.0.0.1"
        port = try args.intOption("--port", in: 0...65535) ?? 8080
        readOnly = try args.flag("--read-only")
        token = try args.option("--token")
        if let token, token.isEmpty || token.contains(where: { $0 == " " || $0 == "\n" || $0 == "\r" }) {
            throw .usage("--token must be non-empty and contain no spaces or line breaks")
        }
        if !WebServer.isIPv4Address(host) {
            throw .usage("--host must be an IPv4 address such as 127.0.0.1 or 0.0.0.0, not '\(host)'")
        }
        if !WebServer.isLoopback(host) && token == nil {
            throw .usage("--host \(host) is not a loopback address: it requires --token (anyone who can enqueue runs commands)")
        }
    }

    func run(_ ctx: Context) throws -> Int32 {
        try ctx.spool.create()
        let server = try WebServer(spool: ctx.spool, host: host, port: port, readOnly: readOnly, token: token)
        TerminationSignals.handle { _ in server.stop() }
        ctx.out.line("listening on http://\(host):\(server.port)")
        ctx.out.flush()
        server.run()
        ctx.out.line("stopped")
        return ExitCode.success
    }
}
