#include <sqlite3.h>

/* Built against SQLite before 3.37 (Debian 11's and RHEL 9's 3.34): the flag
   only makes sqlite3_open_v2's own failure an extended code, and a library
   that does not know it ignores it. sqlite3_extended_result_codes() is set
   on every connection anyway. */
#ifndef SQLITE_OPEN_EXRESCODE
#define SQLITE_OPEN_EXRESCODE 0x02000000
#endif

/* SQLite counts every allocation for sqlite3_memory_used() (which we never
   read) under a global mutex: the history's writer thread and the runner
   would take it on each malloc and free. sqlite3_config() is variadic, so
   Swift calls it through here, before SQLite is first used; later it
   returns SQLITE_MISUSE and changes nothing. */
static inline int orc_sqlite_stop_counting_memory(void) {
  return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Whether the connection refuses edits of its schema's text
   (SQLITE_DBCONFIG_DEFENSIVE, off unless SQLite was built to default it
   on): set to `on`; returns what it was. A migration that changes a
   constraint in place (PRAGMA writable_schema) needs it off.
   sqlite3_db_config() is variadic, so Swift calls it through here. */
static inline int orc_sqlite_defensive(sqlite3 *db, int on) {
  int was = 0, now = 0;
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, -1, &was);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, on, &now);
  return was;
}
