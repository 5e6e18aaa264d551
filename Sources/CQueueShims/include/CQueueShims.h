#ifndef CQUEUESHIMS_H
#define CQUEUESHIMS_H
// Plain prototypes only: _GNU_SOURCE lives in shims.c and nowhere else.

/// renameat2(..., RENAME_NOREPLACE). Returns 0 or -1 with errno set (EINVAL where unsupported).
int cq_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
/// renameat2(..., RENAME_EXCHANGE). Returns 0 or -1 with errno set (ENOENT if either is missing).
int cq_rename_exchange(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
/// pidfd_open(pid, 0). Returns an fd or -1 with errno set (ENOSYS on old kernels).
int cq_pidfd_open(int pid);
/// statfs(path): stores f_type in *type. Returns 0 or -1 with errno set.
int cq_statfs_type(const char *path, long long *type);
/// syncfs(fd).
int cq_syncfs(int fd);
/// pipe2(fds, O_CLOEXEC | O_NONBLOCK).
int cq_pipe_cloexec_nonblock(int fds[2]);
/// prctl(PR_SET_CHILD_SUBREAPER, 1).
int cq_set_child_subreaper(void);
/// errno value of the calling thread (read right after the failing call).
int cq_errno(void);

/// posix_spawn with a new session (setsid): POSIX_SPAWN_SETSID. Returns an errno value like posix_spawn.
int cq_spawn_detached(int *pid, const char *path, char *const argv[], char *const envp[], const char *logpath);

/// 1 if child `pid` has exited (left as a zombie: not reaped), 0 if it runs, -1 with errno set
/// on error (EINTR included: the caller retries, in Swift, through `retryingEINTR`).
int cq_child_exited_nowait(int pid);

#endif
