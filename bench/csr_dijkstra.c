/*
 * csr_dijkstra: the lower bound for skolval's walking distances, in plain C without PostgreSQL.
 *
 *   csr_dijkstra EDGES.csv POINTS.csv [PAIRS_OUT.csv]
 *
 * EDGES.csv  id,source,target,length          (undirected; length in metres)
 * POINTS.csv kind,ref_id,edge_id,fraction,snap_m   kind is "unit" or "home"
 *            (skolval.snap rows: the point lies at fraction f of edge (s,t,len), i.e. f*len
 *            from s and (1-f)*len from t, and snap_m off the edge)
 *
 * Builds a CSR adjacency over the edges, then runs one binary-heap Dijkstra per unit
 * (one-to-all, no early stop), and reads off every home: the same walk skolval stores, namely
 * snap_m(home) + network path between the two snapped points + snap_m(unit); two points on the
 * same edge may also walk straight along it.  Prints the times of reading, building and searching
 * separately, and the number and sum of the distances (a checksum).  When PAIRS_OUT is given,
 * writes residence_id,unit_id,walking_m for every reachable pair after the timing.
 *
 * Compiled by bench/distances.sh with cc -O2.  Not part of the extension.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "csr_dijkstra: out of memory\n");
        exit(1);
    }
    return p;
}

static void *
xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "csr_dijkstra: out of memory\n");
        exit(1);
    }
    return p;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

/* Index of id in the sorted array v[0..n), -1 when absent. */
static int64_t
find_i64(const int64_t *v, int64_t n, int64_t id)
{
    int64_t lo = 0, hi = n - 1;
    while (lo <= hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (v[mid] < id)
            lo = mid + 1;
        else if (v[mid] > id)
            hi = mid - 1;
        else
            return mid;
    }
    return -1;
}

typedef struct {
    int64_t ref;
    int64_t edge;   /* index into the edge arrays, -1 when not on the network */
    double  frac;
    double  snap;
} Point;

/* Binary min-heap with lazy deletion. */
typedef struct {
    double  key;
    int32_t node;
} HeapItem;

static HeapItem *heap;
static size_t heap_n, heap_cap;

static inline void
heap_push(double key, int32_t node)
{
    if (heap_n == heap_cap) {
        heap_cap = heap_cap ? heap_cap * 2 : 1024;
        heap = xrealloc(heap, heap_cap * sizeof *heap);
    }
    size_t i = heap_n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (heap[p].key <= key)
            break;
        heap[i] = heap[p];
        i = p;
    }
    heap[i].key = key;
    heap[i].node = node;
}

static inline HeapItem
heap_pop(void)
{
    HeapItem top = heap[0], last = heap[--heap_n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= heap_n)
            break;
        if (c + 1 < heap_n && heap[c + 1].key < heap[c].key)
            c++;
        if (last.key <= heap[c].key)
            break;
        heap[i] = heap[c];
        i = c;
    }
    if (heap_n > 0)
        heap[i] = last;
    return top;
}

int
main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s EDGES.csv POINTS.csv [PAIRS_OUT.csv]\n", argv[0]);
        return 2;
    }
    double t0 = now_ms();

    /* ---- read ---- */
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    size_t ne = 0, ecap = 1 << 16;
    int64_t *eid = xmalloc(ecap * sizeof *eid), *esrc = xmalloc(ecap * sizeof *esrc),
            *etgt = xmalloc(ecap * sizeof *etgt);
    double *elen = xmalloc(ecap * sizeof *elen);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *p = line, *q;
        long long id = strtoll(p, &q, 10);
        if (q == p)
            continue;           /* header or blank */
        p = q + 1;
        long long s = strtoll(p, &q, 10);
        p = q + 1;
        long long t = strtoll(p, &q, 10);
        p = q + 1;
        double len = strtod(p, &q);
        if (ne == ecap) {
            ecap *= 2;
            eid = xrealloc(eid, ecap * sizeof *eid);
            esrc = xrealloc(esrc, ecap * sizeof *esrc);
            etgt = xrealloc(etgt, ecap * sizeof *etgt);
            elen = xrealloc(elen, ecap * sizeof *elen);
        }
        eid[ne] = id;
        esrc[ne] = s;
        etgt[ne] = t;
        elen[ne] = len;
        ne++;
    }
    fclose(f);

    f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    size_t nu = 0, nh = 0, ucap = 256, hcap = 4096;
    Point *units = xmalloc(ucap * sizeof *units), *homes = xmalloc(hcap * sizeof *homes);
    int64_t *uedge = xmalloc(ucap * sizeof *uedge), *hedge = xmalloc(hcap * sizeof *hedge);
    while (fgets(line, sizeof line, f)) {
        char *p = line, *q;
        int is_unit;
        if (strncmp(p, "unit,", 5) == 0)
            is_unit = 1;
        else if (strncmp(p, "home,", 5) == 0)
            is_unit = 0;
        else
            continue;
        p += 5;
        Point pt;
        pt.ref = strtoll(p, &q, 10);
        p = q + 1;
        int64_t edge_id = strtoll(p, &q, 10);
        if (q == p)
            continue;           /* off the network: no edge */
        p = q + 1;
        pt.frac = strtod(p, &q);
        p = q + 1;
        pt.snap = strtod(p, &q);
        pt.edge = -1;
        if (is_unit) {
            if (nu == ucap) {
                ucap *= 2;
                units = xrealloc(units, ucap * sizeof *units);
                uedge = xrealloc(uedge, ucap * sizeof *uedge);
            }
            uedge[nu] = edge_id;
            units[nu++] = pt;
        } else {
            if (nh == hcap) {
                hcap *= 2;
                homes = xrealloc(homes, hcap * sizeof *homes);
                hedge = xrealloc(hedge, hcap * sizeof *hedge);
            }
            hedge[nh] = edge_id;
            homes[nh++] = pt;
        }
    }
    fclose(f);
    double t_read = now_ms();

    /* ---- build: dense vertex numbers, CSR adjacency (both directions) ---- */
    int64_t *vid = xmalloc(2 * ne * sizeof *vid);
    for (size_t i = 0; i < ne; i++) {
        vid[2 * i] = esrc[i];
        vid[2 * i + 1] = etgt[i];
    }
    qsort(vid, 2 * ne, sizeof *vid, cmp_i64);
    int64_t nv = 0;
    for (size_t i = 0; i < 2 * ne; i++)
        if (nv == 0 || vid[nv - 1] != vid[i])
            vid[nv++] = vid[i];
    int32_t *es = xmalloc(ne * sizeof *es), *et = xmalloc(ne * sizeof *et);
    int32_t *off = calloc(nv + 1, sizeof *off);
    for (size_t i = 0; i < ne; i++) {
        es[i] = (int32_t) find_i64(vid, nv, esrc[i]);
        et[i] = (int32_t) find_i64(vid, nv, etgt[i]);
        off[es[i] + 1]++;
        off[et[i] + 1]++;
    }
    for (int64_t v = 0; v < nv; v++)
        off[v + 1] += off[v];
    int32_t *adj = xmalloc(2 * ne * sizeof *adj), *fill = xmalloc(nv * sizeof *fill);
    double *w = xmalloc(2 * ne * sizeof *w);
    memcpy(fill, off, nv * sizeof *fill);
    for (size_t i = 0; i < ne; i++) {
        adj[fill[es[i]]] = et[i];
        w[fill[es[i]]++] = elen[i];
        adj[fill[et[i]]] = es[i];
        w[fill[et[i]]++] = elen[i];
    }
    free(fill);
    /* Points: edge id -> edge index (edge ids sorted with their index). */
    int64_t *order = xmalloc(2 * ne * sizeof *order);   /* pairs (id, index) */
    for (size_t i = 0; i < ne; i++) {
        order[2 * i] = eid[i];
        order[2 * i + 1] = (int64_t) i;
    }
    /* sort pairs by id: pack into a struct-compatible qsort over 16-byte items */
    qsort(order, ne, 2 * sizeof *order, cmp_i64);
    int64_t *sorted_ids = xmalloc(ne * sizeof *sorted_ids);
    for (size_t i = 0; i < ne; i++)
        sorted_ids[i] = order[2 * i];
    for (size_t i = 0; i < nu; i++) {
        int64_t k = find_i64(sorted_ids, ne, uedge[i]);
        units[i].edge = k < 0 ? -1 : order[2 * k + 1];
    }
    for (size_t i = 0; i < nh; i++) {
        int64_t k = find_i64(sorted_ids, ne, hedge[i]);
        homes[i].edge = k < 0 ? -1 : order[2 * k + 1];
    }
    double t_build = now_ms();

    /* ---- search: one Dijkstra per unit, one-to-all ---- */
    double *dist = xmalloc(nv * sizeof *dist);
    double *result = xmalloc(nu * nh * sizeof *result);   /* walking metres, NAN when unreachable */
    size_t pairs = 0;
    double checksum = 0;
    for (size_t u = 0; u < nu; u++) {
        for (int64_t v = 0; v < nv; v++)
            dist[v] = INFINITY;
        heap_n = 0;
        const Point *up = &units[u];
        if (up->edge >= 0) {
            int32_t s = es[up->edge], t = et[up->edge];
            double len = elen[up->edge];
            if (up->frac * len < dist[s]) {
                dist[s] = up->frac * len;
                heap_push(dist[s], s);
            }
            if ((1 - up->frac) * len < dist[t]) {
                dist[t] = (1 - up->frac) * len;
                heap_push(dist[t], t);
            }
        }
        while (heap_n > 0) {
            HeapItem it = heap_pop();
            if (it.key > dist[it.node])
                continue;
            for (int32_t k = off[it.node]; k < off[it.node + 1]; k++) {
                double nd = it.key + w[k];
                if (nd < dist[adj[k]]) {
                    dist[adj[k]] = nd;
                    heap_push(nd, adj[k]);
                }
            }
        }
        for (size_t h = 0; h < nh; h++) {
            const Point *hp = &homes[h];
            double d = INFINITY;
            if (up->edge >= 0 && hp->edge >= 0) {
                double len = elen[hp->edge];
                double a = dist[es[hp->edge]] + hp->frac * len;
                double b = dist[et[hp->edge]] + (1 - hp->frac) * len;
                d = a < b ? a : b;
                if (hp->edge == up->edge) {
                    double direct = fabs(hp->frac - up->frac) * len;
                    if (direct < d)
                        d = direct;
                }
            }
            if (isfinite(d)) {
                d += hp->snap + up->snap;
                pairs++;
                checksum += d;
                result[u * nh + h] = d;
            } else
                result[u * nh + h] = NAN;
        }
    }
    double t_search = now_ms();

    printf("vertices %lld edges %zu units %zu homes %zu\n", (long long) nv, ne, nu, nh);
    printf("read_ms %.1f\n", t_read - t0);
    printf("build_ms %.1f\n", t_build - t_read);
    printf("search_ms %.1f\n", t_search - t_build);
    printf("per_unit_ms %.2f\n", nu ? (t_search - t_build) / nu : 0.0);
    printf("pairs %zu checksum %.3f\n", pairs, checksum);

    if (argc > 3) {
        FILE *o = fopen(argv[3], "w");
        if (!o) {
            perror(argv[3]);
            return 1;
        }
        for (size_t u = 0; u < nu; u++)
            for (size_t h = 0; h < nh; h++)
                if (!isnan(result[u * nh + h]))
                    fprintf(o, "%lld,%lld,%.4f\n", (long long) homes[h].ref, (long long) units[u].ref,
                            result[u * nh + h]);
        fclose(o);
    }
    return 0;
}
