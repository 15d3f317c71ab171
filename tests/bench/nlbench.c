/*
 * nlbench - the kernel side of the policy benchmark (`make bench`), run
 * inside a network namespace the bench script made:
 *
 *   nlbench apply FILE   parse, flatten and apply FILE through libnftnl;
 *                        prints "parse_s apply_s" (seconds)
 *   nlbench add N        add N elements one at a time to the behaviour set
 *                        bh_pair_v4, each waiting for the kernel's ack;
 *                        prints "p50_us p99_us max_us"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	char err[512];
	struct zl_kernel *k;
	int rc = 0;

	if (argc != 3 || (strcmp(argv[1], "apply") && strcmp(argv[1], "add"))) {
		fprintf(stderr, "usage: nlbench apply FILE | nlbench add N\n");
		return 2;
	}
	k = zl_kernel_open(err, sizeof(err));
	if (!k) {
		fprintf(stderr, "nlbench: %s\n", err);
		return 1;
	}
	if (!strcmp(argv[1], "apply")) {
		struct zl_diag d;
		struct zl_policy *p;
		struct zl_flat *f;
		double t0 = now(), t1;

		zl_diag_init(&d);
		p = zl_policy_parse_file(argv[2], &d);
		zl_diag_print(&d, stderr);
		f = p ? zl_flat_new(p) : NULL;
		t1 = now();
		if (!f) {
			rc = 1;
		} else if (zl_kernel_apply(k, f, NULL, 0, err, sizeof(err)) < 0) {
			fprintf(stderr, "nlbench: %s\n", err);
			rc = 1;
		} else {
			printf("%.4f %.4f\n", t1 - t0, now() - t1);
		}
		zl_flat_free(f);
		zl_policy_free(p);
		zl_diag_free(&d);
	} else {
		int n = atoi(argv[2]), i;
		double *lat = calloc((size_t)(n > 0 ? n : 1), sizeof(*lat));

		for (i = 0; i < n && lat; i++) {
			unsigned char key[12] = { 192, 0, 2, 10, 198, 51, 100, 0, 1, 187, 0, 0 };
			double t;

			key[6] = (unsigned char)(i >> 8);
			key[7] = (unsigned char)i;
			key[8] = (unsigned char)(i >> 16);
			t = now();
			if (zl_kernel_set_add(k, "bh_pair_v4", key, sizeof(key), 600000, err,
					      sizeof(err)) < 0) {
				fprintf(stderr, "nlbench: %s\n", err);
				rc = 1;
				break;
			}
			lat[i] = (now() - t) * 1e6;
		}
		if (!rc && lat && n > 0) {
			qsort(lat, (size_t)n, sizeof(*lat), cmp_d);
			printf("%.0f %.0f %.0f\n", lat[n / 2], lat[(size_t)(n * 0.99)], lat[n - 1]);
		}
		free(lat);
	}
	zl_kernel_close(k);
	return rc;
}
