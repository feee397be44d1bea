//go:build linux && cgo

package timerslack

/*
#include <stdlib.h>
#include <sys/prctl.h>

__attribute__((constructor)) static void meetdTimerSlack(void) {
	unsigned long ns = 1000000UL;
	const char *env = getenv("MEET_TIMER_SLACK_NS");
	if (env != NULL && *env != '\0') {
		ns = strtoul(env, NULL, 10);
	}
	if (ns > 0) {
		prctl(PR_SET_TIMERSLACK, ns, 0, 0, 0);
	}
}
*/
import "C"
