// TEMPORARY: removed once the CLI is thin (issue 9).
// The CLI still calls a few syscalls and QueueSystem types directly while another engineer
// moves them into the core; until that lands, the core re-exports what the CLI needs here, and
// only here. The lead deletes this file after merging, and the CLI then fails to compile if it
// calls a syscall.
@_exported import QueueSystem
#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Darwin)
@_exported import Darwin
#endif
