#ifndef CQUEUEBUILDINFO_H
#define CQUEUEBUILDINFO_H
// Build facts the Swift code cannot learn by itself. Plain prototypes only: the macro that
// carries the commit is read in build_info.c and nowhere else.

/// The git commit the binary was built from: the macro QUEUECTL_COMMIT, passed by
/// scripts/install as `-Xcc -DQUEUECTL_COMMIT=\"<hash>\"`; "" for a plain `swift build`.
/// Never NULL; a static string.
const char *cqb_commit(void);

/// How the running program is linked, read from its own ELF program headers and loaded objects:
/// 2 fully static (no program interpreter), 1 dynamic but with the Swift runtime linked in
/// (no libswiftCore.so loaded), 0 dynamic with a shared Swift runtime, -1 unknown.
int cqb_linkage(void);

#endif
