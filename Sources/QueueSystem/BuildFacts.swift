internal import CQueueBuildInfo

/// What the running binary knows about how it was built: the git commit it was built from
/// (embedded by `scripts/install`), the Swift compiler, the target OS and architecture, and how
/// it is linked. Every property is computed without failing; what cannot be known is `nil`.
public enum BuildFacts {
    /// How a program is linked.
    public enum Linkage: String, Sendable {
        /// No program interpreter: glibc and the Swift runtime are inside (`-static-executable`).
        case fullyStatic = "fully static"
        /// Dynamic (glibc shared) with the Swift runtime linked in (`--static-swift-stdlib`).
        case staticSwiftRuntime = "static Swift runtime, dynamic libc"
        /// Dynamic, with the toolchain's `libswiftCore.so` loaded.
        case dynamic = "dynamic"
    }

    /// The commit hash passed at build time as `-Xcc -DQUEUECTL_COMMIT="..."`; nil when the
    /// build did not pass one (a plain `swift build`).
    public static var commit: String? {
        let s = String(cString: cqb_commit())
        return s.isEmpty ? nil : s
    }

    /// Read from this process's own ELF program headers (PT_INTERP) and loaded objects; nil when
    /// the auxiliary vector gives no program headers.
    public static var linkage: Linkage? {
        switch cqb_linkage() {
        case 2: return .fullyStatic
        case 1: return .staticSwiftRuntime
        case 0: return .dynamic
        default: return nil
        }
    }

    /// The compiler version the binary was built with, as far as `#if compiler` can tell
    /// (major.minor.patch for 6.0.0 ... 6.4.3, else a bound).
    public static var swiftVersion: String {
        #if compiler(>=7.0)
        return ">= 7.0"
        #elseif compiler(>=6.4)
        return "6.4" + patch64
        #elseif compiler(>=6.3)
        return "6.3" + patch63
        #elseif compiler(>=6.2)
        return "6.2" + patch62
        #elseif compiler(>=6.1)
        return "6.1" + patch61
        #else
        return "6.0" + patch60
        #endif
    }

    /// The target operating system and CPU architecture, e.g. `linux x86_64`.
    public static var platform: String {
        #if os(Linux)
        let os = "linux"
        #elseif os(macOS)
        let os = "macos"
        #else
        let os = "unknown-os"
        #endif
        #if arch(x86_64)
        let arch = "x86_64"
        #elseif arch(arm64)
        let arch = "aarch64"
        #else
        let arch = "unknown-arch"
        #endif
        return "\(os) \(arch)"
    }

    private static var patch64: String {
        #if compiler(>=6.4.3)
        return ".3 or later"
        #elseif compiler(>=6.4.2)
        return ".2"
        #elseif compiler(>=6.4.1)
        return ".1"
        #else
        return ".0"
        #endif
    }
    private static var patch63: String {
        #if compiler(>=6.3.3)
        return ".3 or later"
        #elseif compiler(>=6.3.2)
        return ".2"
        #elseif compiler(>=6.3.1)
        return ".1"
        #else
        return ".0"
        #endif
    }
    private static var patch62: String {
        #if compiler(>=6.2.3)
        return ".3 or later"
        #elseif compiler(>=6.2.2)
        return ".2"
        #elseif compiler(>=6.2.1)
        return ".1"
        #else
        return ".0"
        #endif
    }
    private static var patch61: String {
        #if compiler(>=6.1.3)
        return ".3 or later"
        #elseif compiler(>=6.1.2)
        return ".2"
        #elseif compiler(>=6.1.1)
        return ".1"
        #else
        return ".0"
        #endif
    }
    private static var patch60: String {
        #if compiler(>=6.0.3)
        return ".3 or later"
        #elseif compiler(>=6.0.2)
        return ".2"
        #elseif compiler(>=6.0.1)
        return ".1"
        #else
        return ".0"
        #endif
    }
}
