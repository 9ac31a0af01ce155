/*
 * state.h - the agent's alert state across restarts.
 *
 * state_dir/alerts.json holds the alert engine's snapshot (pending and
 * firing alerts with their windows, the event clock, the wall time it
 * was taken); state_save() writes it atomically (temporary file, fsync,
 * rename), state_load() restores it before any input, so after a crash
 * or kill -9 what was firing is still known and resolves on time. Live
 * mode only; cold path. Notifications themselves live in the sinks'
 * outbox.
 */
#ifndef DW_STATE_H
#define DW_STATE_H

#include "dw.h"

struct pipeline;

/* The file inside the state directory, and its bound. */
#define STATE_FILE		"alerts.json"
#define STATE_FILE_MAX_BYTES	(64 * 1024 * 1024)

/* mkdir -p; 0 or -1 with errno. */
int	state_dir_make(const char *dir);
/* Restore dir/STATE_FILE if there is one; logs what it restored. */
void	state_load(struct pipeline *, const char *dir, dw_ms wall_now);
/* Write the current state; logs a warning on failure. */
void	state_save(struct pipeline *, const char *dir, dw_ms wall_now);

#endif /* DW_STATE_H */
