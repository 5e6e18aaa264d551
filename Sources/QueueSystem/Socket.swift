#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A listening IPv4 TCP socket (`socket(2)`, `setsockopt(SO_REUSEADDR)`, `bind(2)`,
/// `listen(2)`). Closed by `close()`; the descriptor is close-on-exec.
public final class TCPListener: @unchecked Sendable {
    public let fd: CInt
    /// The port actually bound (the kernel's choice when 0 was asked for).
    public let port: Int

    /// Binds `host` (a dotted IPv4 address) and `port` (0: any free port) and listens.
    /// - Throws: `SystemError` (EINVAL for an address that is not IPv4 dotted notation).
    public init(host: String, port: Int, backlog: CInt = 64) throws(SystemError) {
        var (s, addr) = try Socket.ipv4Stream(host: host, port: port)
        var one: CInt = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size))
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound != 0 { let e = Errno.current; _ = Glibc.close(s); throw SystemError(errno: e, operation: "bind", path: "\(host):\(port)") }
        if listen(s, backlog) != 0 { let e = Errno.current; _ = Glibc.close(s); throw SystemError(errno: e, operation: "listen") }
        var got = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &got) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
        }
        fd = s
        self.port = Int(UInt16(bigEndian: got.sin_port))
    }

    /// Waits up to `timeoutMilliseconds` for a connection (`poll(2)`), then `accept(2)`s it.
    /// Returns nil on timeout or when the peer went away before it was accepted.
    public func accept(timeoutMilliseconds: Int) throws(SystemError) -> TCPConnection? {
        guard try Socket.waitReadable(fd, timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        let c = Glibc.accept(fd, nil, nil)
        if c >= 0 {
            _ = fcntl(c, F_SETFD, FD_CLOEXEC)
            _ = fcntl(c, F_SETFL, fcntl(c, F_GETFL) & ~O_NONBLOCK)
        }
        if c < 0 {
            let e = Errno.current
            if e == .interrupted || e == .wouldBlock || e.rawValue == ECONNABORTED { return nil }
            throw SystemError(errno: e, operation: "accept")
        }
        return TCPConnection(fd: c)
    }

    /// Makes `accept` return at once when another thread took the connection (`O_NONBLOCK`).
    public func setNonBlocking() { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }

    public func close() { _ = Glibc.close(fd) }
}

/// One accepted or connected TCP stream. Not shared between threads.
public final class TCPConnection: @unchecked Sendable {
    public let fd: CInt
    public init(fd: CInt) { self.fd = fd }

    /// Connects to `host:port` (IPv4), for tests and clients.
    public static func connect(host: String, port: Int) throws(SystemError) -> TCPConnection {
        var (s, addr) = try Socket.ipv4Stream(host: host, port: port)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 { let e = Errno.current; _ = Glibc.close(s); throw SystemError(errno: e, operation: "connect", path: "\(host):\(port)") }
        return TCPConnection(fd: s)
    }

    /// Reads what is available, waiting at most `timeoutMilliseconds` (`poll(2)` then
    /// `read(2)`). Returns nil on timeout, an empty array at end of stream.
    public func read(max: Int, timeoutMilliseconds: Int) throws(SystemError) -> [UInt8]? {
        guard try Socket.waitReadable(fd, timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        var buf = [UInt8](repeating: 0, count: max)
        let n = try retryingEINTR("read") { buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, max) } }
        return Array(buf[0..<n])
    }

    /// Writes all of `bytes` (`send(2)` with `MSG_NOSIGNAL`: a closed peer is an EPIPE error,
    /// never a SIGPIPE).
    public func writeAll(_ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let n = try retryingEINTR("send") {
                bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, CInt(MSG_NOSIGNAL)) }
            }
            offset += n
        }
    }

    /// Sets a send timeout (`SO_SNDTIMEO`), so a client that never reads cannot hold a thread.
    public func setSendTimeout(milliseconds: Int) {
        var tv = timeval(tv_sec: milliseconds / 1000, tv_usec: suseconds_t((milliseconds % 1000) * 1000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Shuts the writing half (`shutdown(2)`), telling the peer the response is complete.
    public func shutdownWrite() { _ = shutdown(fd, CInt(SHUT_WR)) }

    public func close() { _ = Glibc.close(fd) }
}

/// `poll(2)` on one descriptor.
public enum Socket {
    /// A new TCP socket (close-on-exec) and the IPv4 address `host:port` for it.
    /// - Throws: `SystemError` (EINVAL for a host that is not dotted IPv4; `socket(2)`'s errno).
    static func ipv4Stream(host: String, port: Int) throws(SystemError) -> (CInt, sockaddr_in) {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
            throw SystemError(errno: .invalidArgument, operation: "inet_pton", path: host)
        }
        #if canImport(Glibc)
        let type = CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue)
        #else
        let type = SOCK_STREAM
        #endif
        return (try retryingEINTR("socket") { socket(AF_INET, type, 0) }, addr)
    }

    /// True when `fd` is readable (or hung up) within `timeoutMilliseconds`; EINTR counts as
    /// not yet (the caller loops against its own deadline).
    public static func waitReadable(_ fd: CInt, timeoutMilliseconds: Int) throws(SystemError) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let rc = poll(&p, 1, CInt(max(0, min(timeoutMilliseconds, Int(CInt.max)))))
        if rc < 0 {
            let e = Errno.current
            if e == .interrupted { return false }
            throw SystemError(errno: e, operation: "poll")
        }
        return rc > 0
    }

    /// Which of `fds` are readable (or hung up) within `timeoutMilliseconds`; all false on
    /// timeout or EINTR (the caller loops against its own deadline).
    public static func readable(_ fds: [CInt], timeoutMilliseconds: Int) throws(SystemError) -> [Bool] {
        var polls = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let rc = poll(&polls, nfds_t(polls.count), CInt(max(0, min(timeoutMilliseconds, Int(CInt.max)))))
        if rc < 0 {
            let e = Errno.current
            if e == .interrupted { return fds.map { _ in false } }
            throw SystemError(errno: e, operation: "poll")
        }
        return polls.map { $0.revents != 0 }
    }

    /// True when `host` is an IPv4 address in dotted notation (`inet_pton(3)`).
    public static func isIPv4Address(_ host: String) -> Bool {
        var a = in_addr()
        return inet_pton(AF_INET, host, &a) == 1
    }

    /// True when `host` is an IPv4 loopback address (127.0.0.0/8).
    public static func isLoopback(_ host: String) -> Bool {
        var a = in_addr()
        guard inet_pton(AF_INET, host, &a) == 1 else { return false }
        return UInt32(bigEndian: a.s_addr) >> 24 == 127
    }
}
