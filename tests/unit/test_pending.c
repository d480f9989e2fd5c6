/* The pending-writes registry: one test per property of issue 4. Timings
 * assert generous upper bounds only, so a loaded machine cannot fail them. */
#include "unit.h"
#include "daemon/pending.h"
#include "hash/hash.h"

#include <pthread.h>
#include <time.h>

#define NR_WAITERS 4
#define LONG_CAP_MS 10000 /* a cap no test should ever reach */

static void key_of(const char *s, struct digest *d)
{
	digest_buffer(s, strlen(s), d);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

struct waiter {
	pthread_t thread;
	struct pending_registry *reg;
	struct digest key;
	unsigned int timeout_ms;
	enum pending_result result;
	double elapsed_ms;
};

/* No cmocka assertion off the main thread: results are checked after join. */
static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	double t0 = now_ms();

	w->result = pending_wait(w->reg, &w->key, w->timeout_ms);
	w->elapsed_ms = now_ms() - t0;
	return NULL;
}

static void start_waiter(struct waiter *w, struct pending_registry *reg,
			 const struct digest *key, unsigned int timeout_ms)
{
	w->reg = reg;
	w->key = *key;
	w->timeout_ms = timeout_ms;
	w->result = -1;
	assert_int_equal(pthread_create(&w->thread, NULL, waiter_main, w), 0);
}

/* Until n threads are inside pending_wait() on key (they wait for the long
 * cap, so none can leave before the key is completed). */
static void await_waiters(struct pending_registry *reg, const struct digest *key,
			  unsigned int n)
{
	double t0 = now_ms();

	while (pending_waiters(reg, key) < n) {
		assert_true(now_ms() - t0 < 10000);
		sleep_ms(1);
	}
	assert_int_equal(pending_waiters(reg, key), n);
}

static void test_not_pending_returns_at_once(void **state)
{
	struct pending_registry reg;
	struct digest k, other;
	double t0;
	(void)state;

	assert_int_equal(pending_init(&reg), 0);
	reg.max_wait_ms = LONG_CAP_MS; /* a wrong wait would show */
	key_of("absent", &k);
	key_of("other", &other);
	t0 = now_ms();
	assert_int_equal(pending_wait(&reg, &k, 1000), PENDING_NOT_PENDING);
	assert_int_equal(pending_register(&reg, &other), 0);
	assert_int_equal(pending_wait(&reg, &k, 1000), PENDING_NOT_PENDING);
	assert_true(now_ms() - t0 < 500);
	pending_complete(&reg, &other);
	pending_release(&reg);
}

static void test_wait_is_capped(void **state)
{
	struct pending_registry reg;
	struct digest k;
	double t0, elapsed;
	(void)state;

	assert_int_equal(pending_init(&reg), 0);
	assert_int_equal(reg.max_wait_ms, PENDING_MAX_WAIT_MS);
	key_of("slow store", &k);
	assert_int_equal(pending_register(&reg, &k), 0);
	t0 = now_ms();
	assert_int_equal(pending_wait(&reg, &k, 1000), PENDING_TIMED_OUT);
	elapsed = now_ms() - t0;
	assert_true(elapsed >= 4);   /* it did wait... */
	assert_true(elapsed < 100);  /* ...but 5 ms, not the 1000 asked for */
	pending_complete(&reg, &k);
	pending_release(&reg);
}

static void test_zero_timeout_returns_at_once(void **state)
{
	struct pending_registry reg;
	struct digest k;
	double t0;
	(void)state;

	assert_int_equal(pending_init(&reg), 0);
	reg.max_wait_ms = LONG_CAP_MS;
	key_of("pending", &k);
	assert_int_equal(pending_register(&reg, &k), 0);
	t0 = now_ms();
	for (int i = 0; i < 10; i++)
		assert_int_equal(pending_wait(&reg, &k, 0), PENDING_TIMED_OUT);
	assert_true(now_ms() - t0 < 500);
	pending_complete(&reg, &k);
	pending_release(&reg);
}

static void test_complete_wakes_all_waiters(void **state)
{
	struct pending_registry reg;
	struct waiter w[NR_WAITERS];
	struct digest k;
	(void)state;

	assert_int_equal(pending_init(&reg), 0);
	reg.max_wait_ms = LONG_CAP_MS; /* only a wake-up can end these waits */
	key_of("four waiters", &k);
	assert_int_equal(pending_register(&reg, &k), 0);
	for (int i = 0; i < NR_WAITERS; i++)
		start_waiter(&w[i], &reg, &k, LONG_CAP_MS);
	await_waiters(&reg, &k, NR_WAITERS);
	pending_complete(&reg, &k);
	for (int i = 0; i < NR_WAITERS; i++) {
		assert_int_equal(pthread_join(w[i].thread, NULL), 0);
		assert_int_equal(w[i].result, PENDING_COMPLETED);
		assert_true(w[i].elapsed_ms < LONG_CAP_MS / 2); /* woken, not timed out */
	}
	pending_release(&reg);
}

static void test_complete_removes_key(void **state)
{
	struct pending_registry reg;
	struct waiter w;
	struct digest k;
	(void)state;

	assert_int_equal(pending_init(&reg), 0);
	reg.max_wait_ms = LONG_CAP_MS;
	key_of("removed", &k);
	assert_int_equal(pending_register(&reg, &k), 0);
	assert_int_equal(pending_count(&reg), 1);
	/* A waiter still inside the wait when the key is removed frees it. */
	start_waiter(&w, &reg, &k, LONG_CAP_MS);
	await_waiters(&reg, &k, 1);
	pending_complete(&reg, &k);
	assert_int_equal(pending_count(&reg), 0);
	assert_int_equal(pending_wait(&reg, &k, 1000), PENDING_NOT_PENDING);
	assert_int_equal(pthread_join(w.thread, NULL), 0);
	assert_int_equal(w.result, PENDING_COMPLETED);
	assert_int_equal(pending_wait(&reg, &k, 0), PENDING_NOT_PENDING);
	/* And the key can be registered again afterwards. */
	assert_int_equal(pending_register(&reg, &k), 0);
	assert_int_equal(pending_wait(&reg, &k, 0), PENDING_TIMED_OUT);
	pending_complete(&reg, &k);
	assert_int_equal(pending_wait(&reg, &k, 0), PENDING_NOT_PENDING);
	pending_release(&reg);
}

static void test_register_twice_shares_wait_point(void **state)
{
	struct pending_registry reg;
	struct waiter w[2];
	struct digest k;
	(void)state;

	assert_int_equal(pending_init(&reg), 0);
	reg.max_wait_ms = LONG_CAP_MS;
	key_of("two identical misses", &k);
	assert_int_equal(pending_register(&reg, &k), 0);
	start_waiter(&w[0], &reg, &k, LONG_CAP_MS);
	await_waiters(&reg, &k, 1);
	assert_int_equal(pending_register(&reg, &k), 0);
	assert_int_equal(pending_count(&reg), 1);
	start_waiter(&w[1], &reg, &k, LONG_CAP_MS);
	await_waiters(&reg, &k, 2); /* both on the one wait point */
	pending_complete(&reg, &k);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(w[i].thread, NULL), 0);
		assert_int_equal(w[i].result, PENDING_COMPLETED);
	}
	assert_int_equal(pending_count(&reg), 0);
	assert_int_equal(pending_wait(&reg, &k, 1000), PENDING_NOT_PENDING);
	/* The second owner's complete finds nothing: harmless. */
	pending_complete(&reg, &k);
	assert_int_equal(pending_count(&reg), 0);
	pending_release(&reg);
}

static void test_timed_out_wait_leaves_key(void **state)
{
	struct pending_registry reg;
	struct digest k;
	(void)state;

	assert_int_equal(pending_init(&reg), 0);
	key_of("still storing", &k);
	assert_int_equal(pending_register(&reg, &k), 0);
	assert_int_equal(pending_wait(&reg, &k, 1), PENDING_TIMED_OUT);
	assert_int_equal(pending_count(&reg), 1);
	assert_int_equal(pending_waiters(&reg, &k), 0);
	assert_int_equal(pending_wait(&reg, &k, 1000), PENDING_TIMED_OUT);
	assert_int_equal(pending_wait(&reg, &k, 0), PENDING_TIMED_OUT);
	pending_complete(&reg, &k);
	assert_int_equal(pending_wait(&reg, &k, 1000), PENDING_NOT_PENDING);
	pending_release(&reg);
}

static void test_complete_unknown_key(void **state)
{
	struct pending_registry reg;
	struct digest k, other;
	(void)state;

	assert_int_equal(pending_init(&reg), 0);
	key_of("unknown", &k);
	key_of("kept", &other);
	pending_complete(&reg, &k); /* empty registry */
	assert_int_equal(pending_register(&reg, &other), 0);
	pending_complete(&reg, &k); /* a registry holding another key */
	pending_complete(&reg, &k);
	assert_int_equal(pending_count(&reg), 1);
	assert_int_equal(pending_wait(&reg, &other, 0), PENDING_TIMED_OUT);
	pending_complete(&reg, &other);
	pending_complete(&reg, &other); /* twice */
	assert_int_equal(pending_count(&reg), 0);
	pending_release(&reg);
}

/* Many keys at once: the table grows and every key stays findable. */
static void test_many_keys(void **state)
{
	struct pending_registry reg;
	struct digest k;
	char name[32];
	(void)state;

	assert_int_equal(pending_init(&reg), 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "key %d", i);
		key_of(name, &k);
		assert_int_equal(pending_register(&reg, &k), 0);
	}
	assert_int_equal(pending_count(&reg), 1000);
	for (int i = 0; i < 1000; i += 2) {
		snprintf(name, sizeof(name), "key %d", i);
		key_of(name, &k);
		assert_int_equal(pending_wait(&reg, &k, 0), PENDING_TIMED_OUT);
		pending_complete(&reg, &k);
	}
	assert_int_equal(pending_count(&reg), 500);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "key %d", i);
		key_of(name, &k);
		assert_int_equal(pending_wait(&reg, &k, 0),
				 i % 2 ? PENDING_TIMED_OUT : PENDING_NOT_PENDING);
	}
	pending_release(&reg); /* frees the 500 left: LeakSanitizer checks */
}

#define STRESS_THREADS 8
#define STRESS_KEYS 6
#define STRESS_MS 300

struct stresser {
	pthread_t thread;
	struct pending_registry *reg;
	const struct digest *keys;
	unsigned int seed;
	unsigned long ops;
	unsigned long bad; /* results outside the enum */
};

static void *stress_main(void *arg)
{
	struct stresser *s = arg;
	double end = now_ms() + STRESS_MS;

	while (now_ms() < end) {
		const struct digest *k = &s->keys[rand_r(&s->seed) % STRESS_KEYS];
		int r;

		switch (rand_r(&s->seed) % 5) {
		case 0:
			if (pending_register(s->reg, k))
				s->bad++;
			break;
		case 1:
			pending_complete(s->reg, k);
			break;
		case 2:
			if (pending_count(s->reg) > STRESS_KEYS ||
			    pending_waiters(s->reg, k) > STRESS_THREADS)
				s->bad++;
			break;
		default:
			r = pending_wait(s->reg, k, (unsigned int)(rand_r(&s->seed) % 8));
			if (r != PENDING_NOT_PENDING && r != PENDING_COMPLETED &&
			    r != PENDING_TIMED_OUT)
				s->bad++;
			break;
		}
		s->ops++;
	}
	return NULL;
}

/* Registering, completing and waiting from many threads at once: run under
 * ASan and TSan, this is where a use-after-free or a race would show. */
static void test_concurrent_stress(void **state)
{
	struct pending_registry reg;
	struct stresser s[STRESS_THREADS];
	struct digest keys[STRESS_KEYS];
	char name[32];
	(void)state;

	assert_int_equal(pending_init(&reg), 0);
	for (int i = 0; i < STRESS_KEYS; i++) {
		snprintf(name, sizeof(name), "stress %d", i);
		key_of(name, &keys[i]);
	}
	for (int i = 0; i < STRESS_THREADS; i++) {
		s[i] = (struct stresser){ .reg = &reg, .keys = keys, .seed = 12345u + (unsigned)i };
		assert_int_equal(pthread_create(&s[i].thread, NULL, stress_main, &s[i]), 0);
	}
	for (int i = 0; i < STRESS_THREADS; i++) {
		assert_int_equal(pthread_join(s[i].thread, NULL), 0);
		assert_int_equal(s[i].bad, 0);
		assert_true(s[i].ops > 0);
	}
	assert_true(pending_count(&reg) <= STRESS_KEYS);
	for (int i = 0; i < STRESS_KEYS; i++) {
		assert_int_equal(pending_waiters(&reg, &keys[i]), 0);
		pending_complete(&reg, &keys[i]);
	}
	assert_int_equal(pending_count(&reg), 0);
	pending_release(&reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_pending_returns_at_once),
		cmocka_unit_test(test_wait_is_capped),
		cmocka_unit_test(test_zero_timeout_returns_at_once),
		cmocka_unit_test(test_complete_wakes_all_waiters),
		cmocka_unit_test(test_complete_removes_key),
		cmocka_unit_test(test_register_twice_shares_wait_point),
		cmocka_unit_test(test_timed_out_wait_leaves_key),
		cmocka_unit_test(test_complete_unknown_key),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_concurrent_stress),
	};
	return cmocka_run_group_tests_name("pending", tests, NULL, NULL);
}
