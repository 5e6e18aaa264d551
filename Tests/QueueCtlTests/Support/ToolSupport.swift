import Foundation

/// Runs external tools (groff, bash, zsh, fish) for the help, man page and completion tests.
enum Tool {
    /// The path of `name` on PATH, or nil.
    static func find(_ name: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `tool args` to completion with stdout and stderr in files (no pipe can fill up).
    static func run(_ tool: String, _ args: [String], env: [String: String]? = nil, in dir: String) throws -> RunResult {
        let n = UInt32.random(in: 0...UInt32.max)
        let outPath = "\(dir)/tool-out-\(n)", errPath = "\(dir)/tool-err-\(n)"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        if let env { p.environment = env }
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle(forWritingAtPath: outPath)
        p.standardError = FileHandle(forWritingAtPath: errPath)
        try p.run()
        p.waitUntilExit()
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return RunResult(code: p.terminationStatus, out: out, err: err)
    }

    /// The repository root (where Package.swift and queuectl.1 are).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
}
