#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Non-blocking use of an open connection, for one thread that serves many streams (server-sent
/// events): it never waits on any single peer.
extension TCPConnection {
    /// Sends what the socket buffer takes now (`send(2)` with `MSG_DONTWAIT | MSG_NOSIGNAL`).
    /// - Returns: the number of bytes sent (0 when the buffer is full); nil when the peer is
    ///   gone or the socket failed (EPIPE, ECONNRESET...): the caller drops the connection.
    public func sendAvailable(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return 0 }
        while true {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, CInt(MSG_DONTWAIT | MSG_NOSIGNAL)) }
            if n >= 0 { return n }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return 0 }
            return nil
        }
    }

    /// Reads and discards what the peer sent (`recv(2)` with `MSG_DONTWAIT`), at most 64 KiB.
    /// - Returns: false when the peer closed its side (end of stream) or the socket failed.
    public func discardAvailable() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, CInt(MSG_DONTWAIT)) }
            if n > 0 { return true }
            if n == 0 { return false }
            let e = errno
            if e == EINTR { continue }
            return e == EAGAIN || e == EWOULDBLOCK
        }
    }
}

extension Socket {
    /// What `poll(2)` reported for one descriptor.
    public struct Readiness: Sendable, Equatable {
        public var readable = false
        public var writable = false
        /// POLLHUP, POLLERR or POLLNVAL: the descriptor is finished.
        public var failed = false
        public init(readable: Bool = false, writable: Bool = false, failed: Bool = false) {
            self.readable = readable; self.writable = writable; self.failed = failed
        }
    }

    /// Polls each `(fd, wantWrite)` for readability (always) and writability (when asked),
    /// up to `timeoutMilliseconds`. Negative fds are ignored. On EINTR all are not ready.
    public static func readiness(_ items: [(fd: CInt, wantWrite: Bool)], timeoutMilliseconds: Int) -> [Readiness] {
        var polls = items.map { pollfd(fd: $0.fd, events: Int16(POLLIN) | ($0.wantWrite ? Int16(POLLOUT) : 0), revents: 0) }
        let rc = Glibc.poll(&polls, nfds_t(polls.count), CInt(max(0, min(timeoutMilliseconds, Int(CInt.max)))))
        if rc <= 0 { return items.map { _ in Readiness() } }
        return polls.map {
            Readiness(readable: $0.revents & Int16(POLLIN) != 0, writable: $0.revents & Int16(POLLOUT) != 0,
                      failed: $0.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0)
        }
    }
}
