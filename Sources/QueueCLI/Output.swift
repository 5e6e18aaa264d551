import QueueCore

/// Buffered output to a standard stream; one write per 64 KiB or per `flush()`.
public final class Output: @unchecked Sendable {
    let stream: StandardStream
    private var buffer: [UInt8] = []

    public init(_ stream: StandardStream) { self.stream = stream }

    public func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 65536 { flush() }
    }

    public func line(_ s: String) { write(s); write("\n") }

    public func bytes(_ b: [UInt8]) { buffer.append(contentsOf: b); if buffer.count >= 65536 { flush() } }

    /// True once a write failed (a closed pipe): a repeating command (`status --watch`) stops.
    public private(set) var failed = false

    public func flush() {
        guard !buffer.isEmpty else { return }
        if !stream.writeReportingFailure(buffer) { failed = true }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

/// Renders values as JSON text for `--json` output.
enum JSONOut {
    static func render(_ v: JSONValue) -> String { String(decoding: JSONCoding.encode(v, pretty: true), as: UTF8.self) }
    /// One compact line (no newlines inside), for JSON-lines output such as `list --json`.
    static func line(_ v: JSONValue) -> String { String(decoding: JSONCoding.encode(v, pretty: false), as: UTF8.self) }
}
