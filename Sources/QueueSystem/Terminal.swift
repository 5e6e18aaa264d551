#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a descriptor is a terminal (`isatty(3)`), for choosing between interactive
/// output (colour, redraws, progress lines) and plain output for pipes and files.
public enum Terminal {
    /// True when `fd` refers to a terminal. Never fails: anything else (a pipe, a file, a
    /// closed descriptor) is false.
    public static func isTerminal(_ fd: FileDescriptor) -> Bool { isatty(fd.rawValue) == 1 }
}
