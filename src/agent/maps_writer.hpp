// Writes the process's executable mappings into the ring as add/remove records, diffed against the last
// snapshot: at start, after every dlopen and dlclose (so a library that came and went can still be
// symbolized for the samples taken while it was there) and periodically (JIT code, objects loaded by the
// C library itself). Normal context; serialized inside.
#pragma once

namespace lambdascope::agent {

void maps_writer_update();
// A forked child writes into its own new ring: everything is new there.
void maps_writer_reset();

}  // namespace lambdascope::agent
