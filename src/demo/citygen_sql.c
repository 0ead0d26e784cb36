/*
 * citygen_sql.c — SQL glue for the example municipality's street network (citygen.c).
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "catalog/pg_type.h"
#include "utils/tuplestore.h"

#include "common/spi_util.h"

#include "demo/citygen.h"

PG_FUNCTION_INFO_V1(skolval_demo_network_edges);
PG_FUNCTION_INFO_V1(skolval_demo_network_features);

static void *
palloc_block(void *ctx, size_t size)
{
	return palloc_extended(size, MCXT_ALLOC_HUGE);
}

static void
pfree_block(void *ctx, void *ptr)
{
	pfree(ptr);
}

static const SvCityAllocator city_allocator = {palloc_block, pfree_block, NULL};

/* Read and check the common arguments (seed, target_edges, origin_e, origin_n); build. */
static void
build_city(FunctionCallInfo fcinfo, SvCity *city)
{
	SvCityConfig config;

	config.seed = (uint64_t) PG_GETARG_INT64(0);
	config.target_edges = PG_GETARG_INT32(1);
	config.origin_e = PG_GETARG_FLOAT8(2);
	config.origin_n = PG_GETARG_FLOAT8(3);

	if (config.target_edges < SV_CITY_MIN_EDGES || config.target_edges > SV_CITY_MAX_EDGES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target_edges must be between %d and %d, got %d",
						SV_CITY_MIN_EDGES, SV_CITY_MAX_EDGES, config.target_edges)));
	if (!isfinite(config.origin_e) || !isfinite(config.origin_n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("origin_e and origin_n must be finite")));
	if (fabs(config.origin_e) > SV_CITY_MAX_ORIGIN || fabs(config.origin_n) > SV_CITY_MAX_ORIGIN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("origin_e and origin_n must lie between -%.0f and %.0f metres, got %g and %g",
						SV_CITY_MAX_ORIGIN, SV_CITY_MAX_ORIGIN, config.origin_e, config.origin_n)));
	if (sv_city_build(city, &config, &city_allocator) != 0)
		elog(ERROR, "could not lay out the example network");
}

typedef struct EdgeSink
{
	ReturnSetInfo *rsinfo;
	Datum		kind_text[SV_CITY_KIND_COUNT];
} EdgeSink;

static int
put_edge(void *ctx, const SvCityEdge *edge)
{
	EdgeSink   *sink = (EdgeSink *) ctx;
	Datum		values[10];
	bool		nulls[10] = {false};

	/* Half a million edges take a while: stay cancellable. */
	if ((edge->edge_id & 4095) == 0)
		CHECK_FOR_INTERRUPTS();

	values[0] = Int64GetDatum(edge->edge_id);
	values[1] = Int64GetDatum(edge->source);
	values[2] = Int64GetDatum(edge->target);
	values[3] = sink->kind_text[edge->kind];
	values[4] = Int32GetDatum(edge->street);
	nulls[4] = edge->street == 0;
	values[5] = Int32GetDatum(edge->street_pos);
	nulls[5] = edge->street == 0;
	values[6] = Float8GetDatum(edge->x1);
	values[7] = Float8GetDatum(edge->y1);
	values[8] = Float8GetDatum(edge->x2);
	values[9] = Float8GetDatum(edge->y2);
	tuplestore_putvalues(sink->rsinfo->setResult, sink->rsinfo->setDesc, values, nulls);
	return 0;
}

/*
 * demo_network_edges(seed, target_edges, origin_e, origin_n)
 *   -> (edge_id, source, target, kind, street, street_pos, x1, y1, x2, y2)
 */
Datum
skolval_demo_network_edges(PG_FUNCTION_ARGS)
{
	EdgeSink	sink;
	SvCity		city;

	static const Oid types[10] = {INT8OID, INT8OID, INT8OID, TEXTOID, INT4OID, INT4OID,
	FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID};

	InitMaterializedSRF(fcinfo, 0);
	sv_srf_check(fcinfo, "skolval.demo_network_edges()", lengthof(types), types);
	sink.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	for (int k = 0; k < SV_CITY_KIND_COUNT; k++)
		sink.kind_text[k] = CStringGetTextDatum(sv_city_kind_name((SvCityKind) k));

	build_city(fcinfo, &city);
	sv_city_edges(&city, put_edge, &sink);
	sv_city_free(&city, &city_allocator);
	PG_RETURN_NULL();
}

static void
put_line(ReturnSetInfo *rsinfo, const char *feature, const SvCityLine *line)
{
	Datum		name = CStringGetTextDatum(feature);

	for (int32_t i = 0; i < line->n; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false};

		values[0] = name;
		values[1] = Int32GetDatum(i + 1);
		values[2] = Float8GetDatum(line->x[i]);
		values[3] = Float8GetDatum(line->y[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * demo_network_features(seed, target_edges, origin_e, origin_n) -> (feature, seq, x, y)
 * The river and the railway as ordered points: exactly the lines edges were kept clear of.
 */
Datum
skolval_demo_network_features(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	SvCity		city;

	static const Oid types[4] = {TEXTOID, INT4OID, FLOAT8OID, FLOAT8OID};

	InitMaterializedSRF(fcinfo, 0);
	sv_srf_check(fcinfo, "skolval.demo_network_features()", lengthof(types), types);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	build_city(fcinfo, &city);
	put_line(rsinfo, "river", &city.river);
	put_line(rsinfo, "railway", &city.railway);
	sv_city_free(&city, &city_allocator);
	PG_RETURN_NULL();
}
