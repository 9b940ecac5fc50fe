/* The in-process control API of liblambdascope-agent.so, for programs (and runtimes) that want to profile
 * only part of their run. Look the functions up with dlsym(RTLD_DEFAULT, ...): they exist only when the
 * agent is preloaded. Other processes use the ring header instead (see docs/agent.md). */
#ifndef LAMBDASCOPE_AGENT_H
#define LAMBDASCOPE_AGENT_H

#ifdef __cplusplus
extern "C" {
#endif

/* Each returns 0, or -1 when the agent is not active in this process. */
int lambdascope_agent_start(void);
int lambdascope_agent_pause(void);
int lambdascope_agent_stop(void); /* for good: timers deleted, threads ended */
/* 0 starting, 1 running, 2 paused, 3 stopped, 4 exited, 5 failed; -1 when not active. */
int lambdascope_agent_state(void);
int lambdascope_agent_signal(void); /* the signal in use, 0 when none */
const char* lambdascope_agent_ring_path(void); /* "" when none */

#ifdef __cplusplus
}
#endif

#endif
