/* tool.h: report.json's "tool" object, for the report writers inside reports/. */
#ifndef SVCCERT_REPORT_TOOL_H
#define SVCCERT_REPORT_TOOL_H

#include "report.h"
#include <jansson.h>

/* {"name":"svccert","version":rp_version(),"wine":<the runs' Wine version, or null when no trace says>} */
json_t *rp_tool(const struct rp_meta *m);

#endif
