import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// The spool's own JSON parser and writer, checked against fixed cases and against Foundation's
/// JSONSerialization as an independent reference (the product itself does not link Foundation).
@Suite("JSON parser and writer")
struct JSONTests {
    func parse(_ text: String) -> JSONValue? { try? JSONParser.parse(Array(text.utf8)) }

    func error(_ text: String) -> String {
        do { _ = try JSONParser.parse(Array(text.utf8)); return "" } catch { return error.description }
    }

    @Test func parsesEveryKindOfValue() {
        #expect(parse(#" {"a": [1, -2, 2.5, -0.5e2, 1E3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"], "b": {}} "#)
            == .object(["a": .array([.int(1), .int(-2), .double(2.5), .double(-50), .double(1000), .bool(true), .bool(false), .null,
                                      .string("x\"\\/\u{8}\u{c}\n\r\té😀")]), "b": .object([:])]))
        #expect(parse("9223372036854775807") == .int(.max))
        #expect(parse("-9223372036854775808") == .int(.min))
        #expect(parse("9223372036854775808") == .double(9223372036854775808))
        #expect(parse(#""é€😀""#) == .string("é€😀"))
        #expect(parse("[]") == .array([]))
    }

    @Test(arguments: [
        ("", "unexpected end of input at byte 0"),
        ("{", "expected a string key at byte 1"),
        (#"{"a":1,}"#, "expected a string key at byte 7"),
        ("[1,]", "unexpected character ']' at byte 3"),
        ("[1 2]", "expected ',' or ']' in an array at byte 3"),
        ("01", "leading zero in a number at byte 1"),
        ("1.", "expected digits after '.' at byte 2"),
        ("1e", "expected digits in the exponent at byte 2"),
        ("-", "invalid number at byte 1"),
        ("+1", "unexpected character '+' at byte 0"),
        ("1e999", "number 1e999 is out of range at byte 0"),
        ("tru", "invalid literal (expected true) at byte 0"),
        ("nul1", "invalid literal (expected null) at byte 0"),
        (#""abc"#, "unterminated string at byte 4"),
        ("\"a\u{1}b\"", "control character 0x1 in a string at byte 2"),
        ("\"a\nb\"", "control character 0xa in a string at byte 2"),
        (#""\x""#, "invalid escape \\'x' at byte 2"),
        (#""\u12""#, "truncated \\u escape at byte 3"),
        (#""\u12zz""#, "invalid hex digit in \\u escape at byte 5"),
        (#""\ud800""#, "unpaired surrogate \\ud800 at byte 7"),
        (#""\ud800\u0041""#, "unpaired surrogate \\ud800 at byte 13"),
        (#""\udc00""#, "unpaired surrogate \\udc00 at byte 7"),
        (#"{"id":"a","id":"b"}"#, "duplicate key \"id\" at byte 10"),
        ("{} x", "unexpected text after the JSON value at byte 3"),
        ("NaN", "unexpected character 'N' at byte 0"),
    ])
    func rejectsInvalidTextWithTheOffset(_ text: String, _ message: String) {
        #expect(error(text) == message)
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(error(deep) == "nesting deeper than 256 levels at byte 256")
        let ok = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(parse(ok) != nil)
    }

    @Test func writesTheSpoolLayout() {
        let v: JSONValue = .object(["b": .array([.int(1), .double(2.5), .string("a/\"\n\u{1}é")]), "a": .object([:]), "c": .array([]), "d": .null])
        let pretty = String(decoding: JSONWriter.write(v, pretty: true), as: UTF8.self)
        #expect(pretty == """
        {
          "a" : {},
          "b" : [
            1,
            2.5,
            "a/\\"\\n\\u0001é"
          ],
          "c" : [],
          "d" : null
        }
        """)
        #expect(String(decoding: JSONWriter.write(v, pretty: false), as: UTF8.self)
            == #"{"a":{},"b":[1,2.5,"a/\"\n\u0001é"],"c":[],"d":null}"#)
    }

    /// Random values: the writer's output parses back equal with our parser, and Foundation's
    /// JSONSerialization reads the same structure from it.
    @Test func randomValuesRoundTripAndFoundationAgrees() throws {
        var rng = SplitMix(seed: 42)
        for _ in 0..<500 {
            let v = randomValue(&rng, depth: 0)
            for pretty in [true, false] {
                let bytes = JSONWriter.write(v, pretty: pretty)
                #expect(try JSONParser.parse(bytes) == v)
                let reference = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
                #expect(same(v, reference), "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
    }

    /// Mutated texts: whenever Foundation rejects one, so do we (we are at least as strict).
    @Test func mutatedTextsAreNeverLaxerThanFoundation() {
        var rng = SplitMix(seed: 7)
        let alphabet = Array(#"{}[]",:0123456789-+.eEtrufalsn \"#.utf8) + [0x5C, 0x0A, 0x01, 0xC3, 0xA9]
        for _ in 0..<3000 {
            var bytes = JSONWriter.write(randomValue(&rng, depth: 0), pretty: false)
            for _ in 0..<(1 + Int(rng.next() % 3)) where !bytes.isEmpty {
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                }
            }
            let ours = (try? JSONParser.parse(bytes)) != nil
            let theirs = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
            if ours { #expect(theirs, "we accept what Foundation rejects: \(bytes)") }
        }
    }

    func same(_ v: JSONValue, _ r: Any) -> Bool {
        switch v {
        case .null: return r is NSNull
        case .bool(let b): return (r as? Bool) == b
        case .int(let i): return (r as? NSNumber)?.int64Value == i
        case .double(let d): return (r as? NSNumber)?.doubleValue == d
        case .string(let s): return (r as? String) == s
        case .array(let a):
            guard let ra = r as? [Any], ra.count == a.count else { return false }
            return zip(a, ra).allSatisfy { same($0, $1) }
        case .object(let o):
            guard let ro = r as? [String: Any], ro.count == o.count else { return false }
            return o.allSatisfy { k, v in ro[k].map { same(v, $0) } ?? false }
        }
    }

    func randomValue(_ rng: inout SplitMix, depth: Int) -> JSONValue {
        switch rng.next() % (depth > 3 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .int(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64))
        case 3: return .double(Double(Int64(bitPattern: rng.next()) % 1_000_000) / 128 + 0.5)
        case 4: return .string(randomString(&rng))
        case 5: return .array((0..<Int(rng.next() % 4)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var o: [String: JSONValue] = [:]
            for _ in 0..<Int(rng.next() % 4) { o[randomString(&rng)] = randomValue(&rng, depth: depth + 1) }
            return .object(o)
        }
    }

    func randomString(_ rng: inout SplitMix) -> String {
        let pool: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{1f}", "\u{7f}", "é", "€", "😀"]
        return String(String.UnicodeScalarView((0..<Int(rng.next() % 8)).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }))
    }
}

/// A small deterministic generator, so a failure reproduces.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
