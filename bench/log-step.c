/* The log step alone, natively (issue 12): creating logs/<id>.log per job versus renaming the
 * previous job's empty log into place, as the worker does (RecycledLogs.swift), timed per job.
 *
 *   clang -O2 -o /tmp/log-step bench/log-step.c
 *   d=/work/bench-tmp/log-step; mkdir -p $d
 *   /tmp/log-step $d 3000 create 100000; /tmp/log-step $d 3000 reuse 200000
 *
 * Arguments: directory, jobs, create|reuse, first job number. Prints wall and CPU per job.
 * On ext4 without a journal the create's cost depends on how many inodes were deleted in the
 * directory's block group in the last seconds; run both variants alternately. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e6+t.tv_nsec/1e3;}
static double cpu(){struct rusage r;getrusage(RUSAGE_SELF,&r);return r.ru_utime.tv_sec*1e6+r.ru_utime.tv_usec+r.ru_stime.tv_sec*1e6+r.ru_stime.tv_usec;}
int main(int argc,char**argv){
  const char*dir=argv[1]; int n=atoi(argv[2]); int recycle=argv[3][0]=='r'; int start=atoi(argv[4]);
  char p[512],prev[512]; prev[0]=0; struct stat st;
  double w0=now(),c0=cpu();
  for(int i=start;i<start+n;i++){
    snprintf(p,sizeof p,"%s/j%08d.log",dir,i);
    if(recycle && prev[0]){
      int pr=open(prev,O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC); flock(pr,LOCK_EX|LOCK_NB); fstat(pr,&st); lstat(prev,&st);
      if(renameat2(AT_FDCWD,prev,AT_FDCWD,p,RENAME_NOREPLACE)!=0){perror("rename");return 1;}
      flock(pr,LOCK_UN); close(pr);
      int fd=open(p,O_WRONLY|O_APPEND|O_NOFOLLOW|O_CLOEXEC); flock(fd,LOCK_EX|LOCK_NB); fstat(fd,&st); close(fd);
    } else {
      int fd=open(p,O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC,0600); flock(fd,LOCK_EX|LOCK_NB); fstat(fd,&st); close(fd);
    }
    snprintf(prev,sizeof prev,"%s",p);
  }
  printf("%s: %.1f us wall, %.1f us cpu per job\n", recycle?"reuse ":"create", (now()-w0)/n, (cpu()-c0)/n);
}
