import Foundation
import QueueSystem
import Testing

/// `scripts/install`: builds the fully static release binary and installs it, its man page and
/// completions under a prefix. The build takes about 2 minutes here (measured 2026-12-03: 1 min
/// 52 s from nothing on this project's 2-core VM); it uses its own scratch path,
/// `.build/install-test`, so it neither waits for `swift test`'s lock on `.build` nor disturbs
/// the debug build, and a second run in the same checkout is incremental.
@Suite struct InstallTests {
    /// The package root (this file is Tests/QueueCtlTests/InstallTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The toolchain's static Swift runtime (needed by `-static-executable`), or nil.
    static var staticStdlib: String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        for dir in path {
            let swift = "\(dir)/swift"
            guard FileManager.default.isExecutableFile(atPath: swift) else { continue }
            let real = URL(fileURLWithPath: swift).resolvingSymlinksInPath().deletingLastPathComponent()
            let lib = real.deletingLastPathComponent().appendingPathComponent("lib/swift_static/linux/libswiftCore.a").path
            return FileManager.default.fileExists(atPath: lib) ? lib : nil
        }
        return nil
    }

    /// Runs `executable args` in `dir`, returning exit code, stdout and stderr.
    static func run(_ executable: String, _ args: [String], in dir: String, env: [String: String] = [:]) -> RunResult {
        let n = UInt32.random(in: 0...UInt32.max)
        let outPath = "\(dir)/install-out-\(n)", errPath = "\(dir)/install-err-\(n)"
        let child = try! ChildProcess.spawn(executable, args, stdout: outPath, stderr: errPath, environment: env, newProcessGroup: true)
        let code: Int32
        switch child.wait(untilMonotonicNanos: nil) {
        case .exited(let c)?: code = c
        case .signaled(let s)?: code = 128 + s
        case nil: code = -1
        }
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return RunResult(code: code, out: out, err: err)
    }

    static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }

    @Test func installIntoTemporaryPrefixGivesWorkingStaticBinary() throws {
        guard Self.staticStdlib != nil else {
            print("SKIP install test: the toolchain has no static Swift runtime (lib/swift_static/linux/libswiftCore.a); -static-executable cannot link")
            return
        }
        let s = TempSpool()
        let stage = s.dir + "/stage", prefix = "/opt/queuectl-test"
        let dest = stage + prefix
        let script = Self.root + "/scripts/install"
        let args = [script, "--prefix", prefix, "--destdir", stage, "--scratch-path", Self.root + "/.build/install-test"]
        let started = Date()
        let r = Self.run("/bin/sh", args, in: s.dir)
        print("install test: scripts/install (build and install) took \(Int(Date().timeIntervalSince(started))) s")
        #expect(r.code == 0, "\(r)")

        // The files and their modes.
        #expect(Self.mode(dest + "/bin/queuectl") == 0o755, "\(r)")
        let manSource = Self.root + "/queuectl.1"
        if FileManager.default.fileExists(atPath: manSource) {
            #expect(Self.mode(dest + "/share/man/man1/queuectl.1") == 0o644, "\(r)")
            #expect(FileManager.default.contents(atPath: dest + "/share/man/man1/queuectl.1") == FileManager.default.contents(atPath: manSource))
        } else {
            #expect(r.err.contains("queuectl.1 is not in this checkout"), "\(r)")
        }
        let completions = ["bash": "/share/bash-completion/completions/queuectl",
                           "zsh": "/share/zsh/site-functions/_queuectl",
                           "fish": "/share/fish/vendor_completions.d/queuectl.fish"]
        for (shell, path) in completions.sorted(by: { $0.key < $1.key }) {
            let expected = s.run(["completion", shell])
            if expected.code == 0 {
                #expect(Self.mode(dest + path) == 0o644, "\(shell): \(r)")
                let installed = (try? String(contentsOfFile: dest + path, encoding: .utf8)) ?? ""
                #expect(installed == expected.out, "\(shell) completion differs from `queuectl completion \(shell)`")
            } else {
                #expect(!FileManager.default.fileExists(atPath: dest + path), "\(shell)")
                #expect(r.err.contains("'queuectl completion \(shell)' is not available"), "\(r)")
            }
        }

        // The installed binary runs: version with the commit it was built from, fully static.
        let bin = dest + "/bin/queuectl"
        let v = Self.run(bin, ["--version"], in: s.dir)
        #expect(v.code == 0, "\(v)")
        #expect(v.lines.first == "queuectl 0.9.0", "\(v)")
        #expect(v.lines.contains("linkage: fully static"), "\(v)")
        let head = Self.run("/usr/bin/env", ["git", "-C", Self.root, "rev-parse", "--short=12", "HEAD"], in: s.dir)
        if head.code == 0 {
            let commit = head.out.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(v.lines.contains { $0 == "commit: \(commit)" || $0 == "commit: \(commit)-dirty" }, "\(v)")
        }
        let status = Self.run(bin, ["--spool", s.root, "status"], in: s.dir)
        #expect(status.code == 0, "\(status)")
        #expect(status.out.contains("pending"), "\(status)")

        // Idempotent: a second run replaces the files and succeeds (the build is incremental).
        let again = Self.run("/bin/sh", args, in: s.dir)
        #expect(again.code == 0, "\(again)")
        #expect(Self.mode(dest + "/bin/queuectl") == 0o755)
        #expect(Self.run(bin, ["--version"], in: s.dir).code == 0)
    }

    @Test func installRejectsBadUsage() throws {
        let s = TempSpool()
        let script = Self.root + "/scripts/install"
        for (args, message) in [(["--prefix", "relative/dir"], "--prefix must be an absolute path"),
                                (["--bogus"], "unknown argument '--bogus'"),
                                (["--prefix"], "--prefix needs a directory"),
                                (["--destdir", "stage"], "--destdir must be an absolute path")] {
            let r = Self.run("/bin/sh", [script] + args, in: s.dir)
            #expect(r.code == 2, "\(args): \(r)")
            #expect(r.err.contains(message), "\(args): \(r)")
            #expect(r.err.contains("usage: scripts/install"), "\(args): \(r)")
        }
    }
}
