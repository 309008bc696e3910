/* Output files written as NAME.part, locked while written, then renamed into
 * place (internal to libsocap; implemented in sim/h5out.c, which builds the
 * HDF5 outputs on it; the metrics CSV writer uses it directly). The rules
 * are in README "Using socap" and docs/design.md "Durability". */
#ifndef SOCAP_OUTPART_H
#define SOCAP_OUTPART_H

typedef struct {
  char *path; /* final name */
  char *part; /* path + ".part" */
  int fd;     /* our descriptor of the .part, locked until commit or abort; -1 if none */
  int force;  /* replace an existing output at commit */
} socap_outpart;

/* Refuse an output that is not a regular file, and an existing one without
 * @p force (SOCAP_EIO); then create PATH.part and lock it. A second writer
 * of PATH gets SOCAP_EIO "another socap process is writing 'PATH.part'" and
 * leaves that file alone; a .part no process holds is reused as it is (the
 * caller truncates it). On error @p o holds nothing. */
int socap_outpart_open(socap_outpart *o, const char *path, int force);

/* fsync the .part, rename it to its final name and fsync the directory.
 * Without force, a name that appeared meanwhile is not replaced: SOCAP_EIO,
 * and the complete output is kept as the .part. On other errors the .part
 * is removed. @p o is released in every case. */
int socap_outpart_commit(socap_outpart *o);

/* Remove the .part (ours while we hold its lock) and release @p o. */
void socap_outpart_abort(socap_outpart *o);

/* Remove the stale .part files @p parts[0..n-1] (left by killed writers),
 * but only if no process holds any of them: if one is held, nothing is
 * removed and *held is set to its index (else -1). Files that are gone
 * meanwhile are skipped. Returns SOCAP_OK, or an error (out of memory). */
int socap_outpart_remove_stale(char *const *parts, int n, int *held);

/* Lock @p fd exclusively without waiting (an open-file-description lock,
 * held until the descriptor is closed or the process ends): -1 if another
 * holder has it, 0 otherwise (also on a file system without locks). */
int socap_lock_fd(int fd);

#endif
