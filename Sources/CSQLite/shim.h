/* CSQLite: the system SQLite (pkg-config sqlite3), called only from MimicStore. */
#include <sqlite3.h>
