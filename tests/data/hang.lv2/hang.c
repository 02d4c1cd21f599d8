/* A test LV2 plugin that passes audio through until its `hang` control is
   switched on while it runs, then never returns from run() (it sleeps, so it
   burns no CPU): what a hung plugin does to synth-jack's worker. An instance
   that starts with `hang` on does not hang (a rebuilt patch plays). Compiled by tests/plugin_commits.rs
   (no LV2 headers needed: the descriptor is declared here). */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct {
    const char *uri;
    void *(*instantiate)(const void *, double, const char *, const void *const *);
    void (*connect_port)(void *, uint32_t, void *);
    void (*activate)(void *);
    void (*run)(void *, uint32_t);
    void (*deactivate)(void *);
    void (*cleanup)(void *);
    const void *(*extension_data)(const char *);
} Descriptor;

typedef struct {
    const float *in;
    float *out;
    const float *hang;
    int ran_calm;
} Hang;

static void *instantiate(const void *d, double rate, const char *path, const void *const *f) {
    (void)d; (void)rate; (void)path; (void)f;
    return calloc(1, sizeof(Hang));
}

static void connect_port(void *h, uint32_t port, void *data) {
    Hang *s = h;
    if (port == 0) s->in = data;
    if (port == 1) s->out = data;
    if (port == 2) s->hang = data;
}

static void run(void *h, uint32_t n) {
    Hang *s = h;
    if (*s->hang <= 0.5f) s->ran_calm = 1;
    else if (s->ran_calm) for (;;) usleep(1000);
    for (uint32_t i = 0; i < n; i++) s->out[i] = s->in[i];
}

static void cleanup(void *h) { free(h); }

static const void *extension_data(const char *uri) { (void)uri; return NULL; }

static const Descriptor descriptor = {
    "urn:synth-jack:test:hang", instantiate, connect_port, NULL, run, NULL, cleanup,
    extension_data,
};

__attribute__((visibility("default"))) const Descriptor *lv2_descriptor(uint32_t index) {
    return index == 0 ? &descriptor : NULL;
}
