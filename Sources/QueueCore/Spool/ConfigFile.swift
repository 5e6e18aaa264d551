#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Loading and storing `config.json`: a flat JSON object of key to value. Unknown keys are kept.
extension Config {
    /// Reads the config; a missing file gives the defaults.
    /// - Throws: `QueueError.spoolUnusable` when the file exists but cannot be read or parsed.
    public static func load(from path: String) throws(QueueError) -> Config {
        let bytes: [UInt8]
        do {
            guard let b = try FileSystem.readFile(path, limit: 1 << 20) else { throw QueueError.spoolUnusable("\(path): too large") }
            bytes = b
        } catch let e as SystemError where e.isNotFound {
            return Config()
        } catch let e as SystemError {
            throw .systemFailure(action: "cannot read config", e)
        } catch {
            throw error as! QueueError
        }
        guard case .object(let o)? = try? JSONCoding.decode(bytes) else {
            throw .spoolUnusable("\(path) is not a JSON object; fix or remove it")
        }
        var c = Config()
        for key in keys {
            guard let v = o[key.name], !v.isNull else { continue }
            let text: String
            switch v {
            case .string(let s): text = s
            case .int(let i): text = String(i)
            case .double(let d): text = String(d)
            case .bool(let b): text = b ? "true" : "false"
            default: throw .spoolUnusable("\(path): bad value for \(key.name)")
            }
            do { try key.set(&c, text) } catch { throw .spoolUnusable("\(path): \(error)") }
        }
        do { try c.loadGroupLimits(o) } catch { throw .spoolUnusable("\(path): \(error)") }
        return c
    }

    /// The config as a JSON object (every key, with its current value).
    public func jsonObject() -> JSONValue {
        var o: [String: JSONValue] = [:]
        for key in Config.keys {
            let s = key.get(self)
            if s == "true" || s == "false" { o[key.name] = .bool(s == "true") }
            else if let i = Int64(s) { o[key.name] = .int(i) }
            else if let d = Double(s) { o[key.name] = .double(d) }
            else { o[key.name] = .string(s) }
        }
        for (group, limit) in groupLimits { o["group.\(group).limit"] = .int(Int64(limit)) }
        return .object(o)
    }

    /// Backoff before attempt n+1 after failed attempt n, in seconds (time units applied),
    /// at most `TimeLimits.maxSeconds`.
    public func backoffSeconds(afterAttempt n: Int) -> Double {
        let units = min(pow(backoffBase, Double(n)), backoffMax)
        return TimeLimits.clampedSeconds(units * timeUnit)
    }

    /// The timeout of `job` in seconds, time units applied: the job's own `timeout` (0 = none),
    /// else `job_timeout` (0 = none); at most `TimeLimits.maxSeconds`; nil for no timeout.
    public func timeoutSeconds(for job: Job) -> Double? {
        let units = job.timeout ?? jobTimeout
        return units > 0 ? TimeLimits.clampedSeconds(units * timeUnit) : nil
    }
}
