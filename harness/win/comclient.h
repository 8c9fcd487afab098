/* comclient.h: what comclient.exe and the controller that starts it agree on: its limits and defaults. */
#ifndef SVCCERT_COMCLIENT_H
#define SVCCERT_COMCLIENT_H

#define CLI_MAX_CLSIDS 8       /* --clsid given at most this often; the controller passes no more */
#define CLI_INSTANCES 3        /* --instances: instances per class (the runner's default too) */
#define CLI_HOLD_MS 500        /* --hold-ms: how long they are held */
#define CLI_MAX_ROUNDS 16      /* --rounds: the activate-hold-release cycle, at most this often */
#define CLI_GAP_MS 200         /* --gap-ms: between one release and the next */

#endif
