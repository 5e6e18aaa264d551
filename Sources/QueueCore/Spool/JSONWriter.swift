/// Writes `JSONValue`s as JSON text: keys sorted, `/` not escaped, control characters escaped,
/// other text as UTF-8. Pretty output indents by two spaces and writes `"key" : value`, the
/// layout the spool's files have always had. Deterministic: equal values give equal bytes.
///
/// A `.double` that is not finite cannot be written as JSON; it is written as `null` (the queue
/// never builds one: the parser refuses them and every computed value is finite).
enum JSONWriter {
    static func write(_ value: JSONValue, pretty: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(value, pretty: pretty, indent: 0, into: &out)
        return out
    }

    private static func write(_ value: JSONValue, pretty: Bool, indent: Int, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): out.append(contentsOf: number(d).utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                newline(pretty, indent + 1, &out)
                write(item, pretty: pretty, indent: indent + 1, into: &out)
            }
            newline(pretty, indent, &out)
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.isEmpty else { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            // Sorted as pairs: no second hash lookup per key.
            for (n, member) in object.sorted(by: { $0.key < $1.key }).enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                newline(pretty, indent + 1, &out)
                writeString(member.key, into: &out)
                out.append(contentsOf: (pretty ? " : " : ":").utf8)
                write(member.value, pretty: pretty, indent: indent + 1, into: &out)
            }
            newline(pretty, indent, &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ pretty: Bool, _ indent: Int, _ out: inout [UInt8]) {
        guard pretty else { return }
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
    }

    /// A finite double in the shortest form that reads back equal; integral values keep a `.0`
    /// only when needed to stay a double (`2.5`, `1e-07`, `3.0`).
    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        return d.description  // Swift prints the shortest round-tripping form, valid JSON for finite values.
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings (ids, times, commands) need no escape: copied in one go (a native
        // string's UTF-8 is contiguous; a bridged one takes the byte-by-byte path below).
        let copied: Bool? = s.utf8.withContiguousStorageIfAvailable { bytes in
            guard bytes.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if copied == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
