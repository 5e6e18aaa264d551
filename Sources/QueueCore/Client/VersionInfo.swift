import QueueSystem

/// The version and build information `queuectl --version` prints. The version number itself is
/// `VersionInfo.version`, the one place to change it for a release.
public struct VersionInfo: Sendable {
    /// The release version of queuectl (semantic versioning).
    public static let version = "0.9.0"

    public var version: String
    /// The git commit embedded by `scripts/install`; nil for a build that did not pass one.
    public var commit: String?
    public var swift: String
    /// `linux x86_64` and the like.
    public var platform: String
    /// `fully static`, `static Swift runtime, dynamic libc`, `dynamic`; nil when unknown.
    public var linkage: String?

    /// The facts of the running binary.
    public static var current: VersionInfo {
        VersionInfo(version: version, commit: BuildFacts.commit, swift: BuildFacts.swiftVersion,
                    platform: BuildFacts.platform, linkage: BuildFacts.linkage?.rawValue)
    }
}
