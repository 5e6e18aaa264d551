/// The pieces of bounded, injective file names (unique-key markers, host tags, quarantined and
/// escaped names): one escape and one hash, so every such name is built the same way.
enum NameHash {
    /// 16 upper-case hex digits of the FNV-1a 64 hash of `bytes` (stands for a cut tail).
    static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = String(fnv1a(bytes), radix: 16, uppercase: true)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The FNV-1a 64 hash of `bytes`.
    static func fnv1a<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// `bytes` with ASCII letters and digits kept and every other byte written as `_XX`
    /// (upper-case hex): injective, and pure ASCII.
    static func underscoreEscaped<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out = ""
        for b in bytes {
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "_" + (b < 0x10 ? "0" : "") + String(b, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
