#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a descriptor line by line through one buffer of 64 KiB (or the longest line), so
/// memory stays bounded whatever the length of the stream. Lines end at `\n` (not included);
/// a final line without one is returned too. The descriptor is not closed.
public struct LineReader {
    private let fd: FileDescriptor
    private let path: String?
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private static let blockSize = 1 << 16

    public init(_ fd: FileDescriptor, path: String? = nil) {
        self.fd = fd
        self.path = path
        buffer.reserveCapacity(2 * LineReader.blockSize)
    }

    /// The next line, or nil at the end of the stream. The slice is valid until the next call.
    /// - Throws: `SystemError` when `read(2)` fails.
    public mutating func next() throws(SystemError) -> ArraySlice<UInt8>? {
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0a) {
                let line = buffer[start..<nl]
                start = nl + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                return line
            }
            buffer.removeSubrange(0..<start)
            start = 0
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: LineReader.blockSize))
            let fd = self.fd
            let n: Int
            do {
                n = try retryingEINTR("read", path: path) {
                    buffer.withUnsafeMutableBytes { raw in Glibc.read(fd.rawValue, raw.baseAddress! + old, LineReader.blockSize) }
                }
            } catch {
                buffer.removeSubrange(old...)
                throw error
            }
            buffer.removeSubrange((old + n)...)
            if n == 0 { atEnd = true }
        }
    }
}
