/*
 * ctl_ipv6.h - zhulanctl's ipv6 commands (ctl_ipv6.c).
 */
#ifndef ZL_CTL_IPV6_H
#define ZL_CTL_IPV6_H

/* argv[0] is "ipv6"; json from zhulanctl's own --json. Exit status. */
int zl_ctl_ipv6(int json, int argc, char **argv);

#endif
