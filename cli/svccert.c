/* svccert.c: the command line: parse options, then call the harness, the rule engine and the reports. */
#define _GNU_SOURCE
#include "cli.h"
#include "../reports/formats.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void cli_usage(FILE *to)
{
    fputs("usage: svccert check [CANDIDATE.exe] [--out DIR] [--format F,...] [--config FILE] [--strict] [-q|-v] [RUN OPTIONS]\n"
          "       svccert trace CANDIDATE.exe [-o TRACE.jsonl] [RUN OPTIONS]\n"
          "       svccert judge TRACE.jsonl [--out DIR] [--format F,...] [--config FILE] [--strict] [-q|-v]\n"
          "       svccert rules\n"
          "       svccert explain RULE   what the rule requires and why, its source, the mistakes that break it,\n"
          "                          how a trace shows it, and the reference's lines that honour it\n"
          "       svccert --version  this svccert's version\n"
          "       svccert prefix     boot the Wine prefix template now (done on first use otherwise); print its path\n"
          "       svccert sandbox    what the sandbox can do here (bubblewrap usable, limits enforced), as JSON\n"
          "output (check, judge):\n"
          "  --out DIR          where the report goes (check: ./svccert-report/NAME; judge: beside the trace)\n"
          "  -q, --quiet        print the verdict line only (and no progress on stderr)\n"
          "  -v, --verbose      print every run's message and the evidence of every rule, n/a ones too\n"
          "  --format F,...     the reports to write into the --out directory: json (report.json, the full record),\n"
          "                     junit (report.junit.xml), sarif (report.sarif), md (report.md),\n"
          "                     html (report.html, with a timeline per run); default " RP_FORMATS_DEFAULT "\n"
          "run options:\n"
          "  --image-arg A      a word for the service's image path (repeatable)\n"
          "  --arg A            a ServiceMain start argument (repeatable)\n"
          "  --timeout S        hard deadline for the whole run, seconds (default 120)\n"
          "  --start-timeout MS --stop-timeout MS --pause-timeout MS --exit-timeout MS --dwell MS\n"
          "                     how long the controller waits for RUNNING, STOPPED, PAUSED, process\n"
          "                     exit, and stays in RUNNING before sending controls\n"
          "  --no-pause         do not send PAUSE/CONTINUE   --no-stop  do not send STOP\n"
          "service options (the run installs the candidate's own copy as a service and drives only that):\n"
          "  --service-name N   install it under this name; a name another program holds fails the run\n"
          "                     (default: the file name, or NAME_svccert when a service of the prefix has it)\n"
          "  --service-type T   own (SERVICE_WIN32_OWN_PROCESS, default) or share (SERVICE_WIN32_SHARE_PROCESS)\n"
          "  --param NAME=VALUE a REG_SZ value the service reads from its Parameters key\n"
          "                     (HKLM\\System\\CurrentControlSet\\Services\\<its name>\\Parameters), written\n"
          "                     before it starts; NAME may be SUBKEY\\NAME (repeatable, as the others)\n"
          "  --param-dword NAME=N --param-expand NAME=VALUE   ... a REG_DWORD, a REG_EXPAND_SZ\n"
          "  --param-multi NAME=VALUE   one string of a REG_MULTI_SZ (repeat the NAME for each string)\n"
          "  --no-session0      services.exe is in session 1 as the service sees it (Wine's own); by default\n"
          "                     it and its services read as session 0, as on Windows (docs/wine-hooks.md)\n"
          "COM options:\n"
          "  --shape S[,S...]   service (default: under the SCM), embedding (a client activates the class and\n"
          "                     COM launches the EXE with -Embedding), user (started as a person would, with\n"
          "                     the --arg words, then a client comes and goes, then its windows are closed);\n"
          "                     check makes one run per shape and merges their verdicts rule by rule\n"
          "  --register         run the candidate's self-registration first: CANDIDATE /RegServer (ATL)\n"
          "  --register-cmd W   ... with these words instead (e.g. /Service for an ATL service)\n"
          "  --reg FILE         import this .reg file first (the candidate is C:\\svccert\\candidate\\NAME)\n"
          "  --clsid {X}        a class to activate (repeatable; default: every class the registration added)\n"
          "  --activate         service shape: start the service by activating its class (AppID LocalService)\n"
          "  --instances N --hold-ms MS --gap-ms MS   the client: instances per class, held, released apart\n"
          "  --watch-ms MS      how long an idle EXE server is watched to leave, or to stay (default 12000;\n"
          "                     check: at least the revoke_after_idle_ms threshold in force plus 2000)\n"
          "  --keep-prefix      leave the run's Wine prefix on disk (debugging)\n"
          "  --keep-raw         keep the raw log uncompressed too (TRACE.raw.log beside TRACE.raw.log.gz)\n"
          "sandbox (every run is in one; its settings go into the trace and the report):\n"
          "  --memory-limit MIB the run's processes' memory (default 4096)   --pids-limit N  processes (default 512)\n"
          "  --disk-limit MIB   what the run may write into its prefix (default 2048)\n"
          "  --log-limit MIB    the raw log; a flood is cut there (default 256)\n"
          "  --network          keep the host's network (default: none, not even the host's loopback)\n"
          "  --no-sandbox       run unconfined: the candidate can reach the host's files, network and processes\n"
          "exit status: 0 every rule passed; 1 a rule failed (fail, or warn under --strict); 2 bad usage or\n"
          "             input (a missing file, not a PE, a 32-bit PE, a bad --config); 3 no rule failed but\n"
          "             one could not be judged (error), or the run itself could not be made\n",
          to);
}

enum { OPT_IMAGE_ARG = 256, OPT_ARG, OPT_NAME, OPT_TIMEOUT, OPT_START_TO, OPT_STOP_TO, OPT_PAUSE_TO, OPT_EXIT_TO,
       OPT_DWELL, OPT_NO_PAUSE, OPT_NO_STOP, OPT_KEEP, OPT_KEEP_RAW, OPT_OUT, OPT_CONFIG, OPT_STRICT, OPT_HELP,
       OPT_SHAPE, OPT_REGISTER, OPT_REGISTER_CMD, OPT_REG, OPT_CLSID, OPT_ACTIVATE, OPT_INSTANCES, OPT_HOLD, OPT_GAP,
       OPT_WATCH, OPT_MEM_LIMIT, OPT_PIDS_LIMIT, OPT_DISK_LIMIT, OPT_LOG_LIMIT, OPT_NETWORK, OPT_NO_SANDBOX,
       OPT_SERVICE_TYPE, OPT_PARAM, OPT_PARAM_DWORD, OPT_PARAM_EXPAND, OPT_PARAM_MULTI, OPT_NO_SESSION0, OPT_FORMAT };

static int cli_int(const char *s, int min, int max, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (!*s || *end || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

/* One more word of a repeatable option; -1 (a bad value) past its limit. */
static int cli_add(const char **v, int *n, int max, const char *w)
{
    if (*n >= max)
        return -1;
    v[(*n)++] = w;
    return 0;
}

/* A --param* value as the controller takes it, "TYPE:NAME=VALUE"; -1 for a bad one: no NAME, a NAME
 * with '=' or an empty part between backslashes, a DWORD that is not a 32-bit number. */
static int cli_param(struct cli_opts *o, const char *type, const char *arg)
{
    static char text[HR_MAX_PARAMS][1024];
    const char *eq = strchr(arg, '=');
    size_t nl = eq ? (size_t)(eq - arg) : 0;

    if (!eq || !nl || nl > 255 || arg[0] == '\\' || arg[nl - 1] == '\\' || memmem(arg, nl, "\\\\", 2) ||
        o->run.n_params >= HR_MAX_PARAMS)
        return -1;
    if (!strcmp(type, "dword")) {
        char *end;
        unsigned long long v = strtoull(eq + 1, &end, 0);
        if (!eq[1] || *end || eq[1] == '-' || v > 0xffffffffULL)
            return -1;
    }
    if ((size_t)snprintf(text[o->run.n_params], sizeof text[0], "%s:%s", type, arg) >= sizeof text[0])
        return -1;
    o->run.params[o->run.n_params] = text[o->run.n_params];
    o->run.n_params++;
    return 0;
}

/* Options shared by all subcommands; each subcommand refuses what it has no use for. */
int cli_parse(int argc, char **argv, struct cli_opts *o)
{
    static const struct option longs[] = {
        { "image-arg", required_argument, 0, OPT_IMAGE_ARG }, { "arg", required_argument, 0, OPT_ARG },
        { "service-name", required_argument, 0, OPT_NAME }, { "timeout", required_argument, 0, OPT_TIMEOUT },
        { "start-timeout", required_argument, 0, OPT_START_TO },
        { "stop-timeout", required_argument, 0, OPT_STOP_TO },
        { "pause-timeout", required_argument, 0, OPT_PAUSE_TO },
        { "exit-timeout", required_argument, 0, OPT_EXIT_TO }, { "dwell", required_argument, 0, OPT_DWELL },
        { "no-pause", no_argument, 0, OPT_NO_PAUSE }, { "no-stop", no_argument, 0, OPT_NO_STOP },
        { "keep-prefix", no_argument, 0, OPT_KEEP }, { "keep-raw", no_argument, 0, OPT_KEEP_RAW },
        { "out", required_argument, 0, OPT_OUT },
        { "config", required_argument, 0, OPT_CONFIG }, { "strict", no_argument, 0, OPT_STRICT },
        { "help", no_argument, 0, OPT_HELP }, { "shape", required_argument, 0, OPT_SHAPE },
        { "register", no_argument, 0, OPT_REGISTER }, { "register-cmd", required_argument, 0, OPT_REGISTER_CMD },
        { "reg", required_argument, 0, OPT_REG }, { "clsid", required_argument, 0, OPT_CLSID },
        { "activate", no_argument, 0, OPT_ACTIVATE }, { "instances", required_argument, 0, OPT_INSTANCES },
        { "hold-ms", required_argument, 0, OPT_HOLD }, { "gap-ms", required_argument, 0, OPT_GAP },
        { "watch-ms", required_argument, 0, OPT_WATCH },
        { "memory-limit", required_argument, 0, OPT_MEM_LIMIT }, { "pids-limit", required_argument, 0, OPT_PIDS_LIMIT },
        { "disk-limit", required_argument, 0, OPT_DISK_LIMIT }, { "log-limit", required_argument, 0, OPT_LOG_LIMIT },
        { "network", no_argument, 0, OPT_NETWORK }, { "no-sandbox", no_argument, 0, OPT_NO_SANDBOX },
        { "service-type", required_argument, 0, OPT_SERVICE_TYPE }, { "param", required_argument, 0, OPT_PARAM },
        { "param-dword", required_argument, 0, OPT_PARAM_DWORD },
        { "param-expand", required_argument, 0, OPT_PARAM_EXPAND },
        { "param-multi", required_argument, 0, OPT_PARAM_MULTI },
        { "no-session0", no_argument, 0, OPT_NO_SESSION0 }, { "format", required_argument, 0, OPT_FORMAT },
        { "verbose", no_argument, 0, 'v' }, { "quiet", no_argument, 0, 'q' }, { 0, 0, 0, 0 }
    };
    int c, bad = 0, li = -1;

    memset(o, 0, sizeof *o);
    hr_defaults(&o->run);
    optind = 1;
    opterr = 0;
    while ((li = -1, c = getopt_long(argc, argv, "o:hvq", longs, &li)) != -1) {
        switch (c) {
        case OPT_IMAGE_ARG: bad = cli_add(o->run.image_args, &o->run.n_image_args, HR_MAX_ARGS, optarg); break;
        case OPT_ARG: bad = cli_add(o->run.args, &o->run.n_args, HR_MAX_ARGS, optarg); break;
        case OPT_NAME:
            /* what CreateService takes: no slashes, at most 256 characters */
            bad = !*optarg || strlen(optarg) > 256 || strpbrk(optarg, "/\\") != NULL;
            o->run.service_name = optarg;
            break;
        case OPT_SERVICE_TYPE:
            bad = strcmp(optarg, "own") && strcmp(optarg, "share");
            o->run.share_process = !strcmp(optarg, "share");
            break;
        case OPT_PARAM: bad = cli_param(o, "sz", optarg); break;
        case OPT_PARAM_DWORD: bad = cli_param(o, "dword", optarg); break;
        case OPT_PARAM_EXPAND: bad = cli_param(o, "expand_sz", optarg); break;
        case OPT_PARAM_MULTI: bad = cli_param(o, "multi_sz", optarg); break;
        case OPT_TIMEOUT: bad |= cli_int(optarg, 5, 3600, &o->run.timeout_s); break;
        case OPT_START_TO: bad |= cli_int(optarg, 100, 3600000, &o->run.start_timeout_ms); break;
        case OPT_STOP_TO: bad |= cli_int(optarg, 100, 3600000, &o->run.stop_timeout_ms); break;
        case OPT_PAUSE_TO: bad |= cli_int(optarg, 100, 3600000, &o->run.pause_timeout_ms); break;
        case OPT_EXIT_TO: bad |= cli_int(optarg, 100, 3600000, &o->run.exit_timeout_ms); break;
        case OPT_DWELL: bad |= cli_int(optarg, 0, 3600000, &o->run.dwell_ms); break;
        case OPT_NO_PAUSE: o->run.no_pause = 1; break;
        case OPT_NO_STOP: o->run.no_stop = 1; break;
        case OPT_NO_SESSION0: o->run.no_session0 = 1; break;
        case OPT_KEEP: o->run.keep_prefix = 1; break;
        case OPT_KEEP_RAW: o->run.keep_raw = 1; break;
        case OPT_SHAPE:
            /* check takes a list (one run each); trace takes one */
            bad = strspn(optarg, "abcdefghijklmnopqrstuvwxyz,") != strlen(optarg) || !*optarg;
            o->run.shape = optarg;
            break;
        case OPT_REGISTER: o->run.register_cmd = "/RegServer"; break;
        case OPT_REGISTER_CMD: o->run.register_cmd = optarg; break;
        case OPT_REG: o->run.reg_file = optarg; break;
        case OPT_CLSID:
            /* {8-4-4-4-12}: anything else would reach the client as garbage */
            bad = strlen(optarg) != 38 || optarg[0] != '{' || optarg[37] != '}' ||
                  strspn(optarg + 1, "0123456789abcdefABCDEF-") != 36 ||
                  cli_add(o->run.clsids, &o->run.n_clsids, HR_MAX_CLSIDS, optarg);
            break;
        case OPT_ACTIVATE: o->run.activate = 1; break;
        case OPT_INSTANCES: bad |= cli_int(optarg, 1, 8, &o->run.instances); break;
        case OPT_HOLD: bad |= cli_int(optarg, 0, 600000, &o->run.hold_ms); break;
        case OPT_GAP: bad |= cli_int(optarg, 0, 600000, &o->run.gap_ms); break;
        case OPT_WATCH:
            bad |= cli_int(optarg, 0, 3600000, &o->run.watch_ms);
            o->watch_given = 1;
            break;
        /* Wine itself needs a few hundred MiB and some dozens of processes: less would fail every run */
        case OPT_MEM_LIMIT: bad |= cli_int(optarg, 256, 1 << 20, &o->run.lim.memory_mib); break;
        case OPT_PIDS_LIMIT: bad |= cli_int(optarg, 32, 1 << 20, &o->run.lim.pids); break;
        case OPT_DISK_LIMIT: bad |= cli_int(optarg, 16, 1 << 20, &o->run.lim.disk_mib); break;
        case OPT_LOG_LIMIT: bad |= cli_int(optarg, 1, 1 << 20, &o->run.lim.log_mib); break;
        case OPT_NETWORK: o->run.network = 1; break;
        case OPT_NO_SANDBOX: o->run.no_sandbox = 1; break;
        case 'o': o->trace_out = optarg; break;
        case OPT_OUT: o->out_dir = optarg; break;
        case OPT_CONFIG: o->config = optarg; break;
        case OPT_FORMAT: {
            char name[64];
            if (rp_formats_parse(optarg, &o->formats, name, sizeof name)) {
                fprintf(stderr, "svccert: bad value for --format: '%s' (formats: %s)\n", *name ? name : optarg,
                        rp_formats_names());
                return -1;
            }
            break;
        }
        case OPT_STRICT: o->strict = 1; break;
        case 'v': o->detail = RP_VERBOSE; break;
        case 'q': o->detail = RP_QUIET; break;
        case 'h': case OPT_HELP: o->help = 1; break;
        default:
            fprintf(stderr, "svccert: bad option %s\n", argv[optind - 1]);
            return -1;
        }
        if (bad) {
            if (li >= 0)
                fprintf(stderr, "svccert: bad value for --%s: %s\n", longs[li].name, optarg ? optarg : "");
            else
                fprintf(stderr, "svccert: bad value for %s\n", argv[optind - 1]);
            return -1;
        }
    }
    o->positional = argv + optind;
    o->n_positional = argc - optind;
    return 0;
}

int main(int argc, char **argv)
{
    struct cli_opts o;
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        cli_usage(cmd ? stdout : stderr);
        return cmd ? CLI_PASS : CLI_USAGE;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("svccert %s\n", rp_version());
        return CLI_PASS;
    }
    if (cli_parse(argc - 1, argv + 1, &o))
        return CLI_USAGE;
    if (o.help) {
        cli_usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "trace"))
        return cli_trace(&o);
    if (!strcmp(cmd, "check"))
        return cli_check(&o);
    if (!strcmp(cmd, "judge"))
        return cli_judge(&o);
    if (!strcmp(cmd, "rules"))
        return cli_rules(&o);
    if (!strcmp(cmd, "explain"))
        return cli_explain(&o);
    if (!strcmp(cmd, "prefix"))
        return cli_prefix(&o);
    if (!strcmp(cmd, "sandbox"))
        return cli_sandbox(&o);
    fprintf(stderr, "svccert: unknown command '%s' (try svccert --help)\n", cmd);
    return CLI_USAGE;
}
