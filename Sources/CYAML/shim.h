/* CYAML: the system libyaml (pkg-config yaml-0.1), called only from MimicYAML. */
#include <yaml.h>
