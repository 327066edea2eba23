//! Runs a [`Plan`]: each root field in turn; below it, one batch per field and level for all
//! the rows of that level (the loaders' statements, the same the resolvers batch into, read on
//! the synchronous SQLite reader where there is one). Values
//! are written as JSON text column by column and assembled into objects in selection order
//! ([`super::json`]).

use std::{
    collections::{HashMap, HashSet},
    marker::PhantomData,
    sync::atomic::{AtomicBool, AtomicUsize, Ordering},
    time::Instant,
};

use async_graphql::{
    dataloader::{DataLoader, Loader},
    extensions::ExtensionContext,
    Name,
};
use sea_orm::DatabaseConnection;
use tracing::Instrument;

use super::{
    build::{ConnPlan, ConnSlot, EdgeSlot, Nested, PageInfoSlot, Plan, RootField, Selection, Slot},
    fields::{FieldKind, Model},
    json::{self, Json, Member},
};
use crate::{
    error::AppError,
    loaders::{
        by_slug,
        filter::Term,
        page::{self, CountKey, ListSpec, PageKey, Relation, RootCountKey, RootPageKey, Rows},
        AppLoader, LoadError,
    },
    observe::{operation, trace},
    schema::pagination::{self, Cursors, Page},
};

/// What a plan runs with: the plans' loader (the resolvers' own, or the [`PlannedLoader`] over
/// the synchronous reader; its batches are observed and counted for the operation), the pool,
/// and whether other plans run beside it.
pub struct Run<'a> {
    loader: &'a DataLoader<AppLoader>,
    db: &'a DatabaseConnection,
    running: &'a PlansRunning,
    /// Rows handled since the plan last gave the runtime a turn ([`Run::worked`]).
    unyielded: AtomicUsize,
    /// When the operation's time limit ends, where it has one (`operation::deadline`). The
    /// executor's timer can stop a plan only when it returns to the runtime, and then only
    /// after one more stretch of work; the plan stops itself at the next check instead.
    deadline: Option<Instant>,
    /// Set once the plan has stopped at its time limit: a statement was stopped at the
    /// database's deadline, or [`Run::within_deadline`] found the deadline past.
    stopped: AtomicBool,
}

/// How a plan ended.
pub enum Outcome {
    /// The response's `data`, as JSON text.
    Answered(Json),
    /// Past the operation's time limit: it is answered `REQUEST_TIMEOUT`.
    Stopped,
    /// A statement failed: the resolvers answer (and report the error as they always did).
    Failed,
}

/// How many rows a plan handles (pages cut, values written) before it gives the runtime a turn.
/// A page of W2 is far below it; a million-row answer yields every few milliseconds.
const YIELD_EVERY_ROWS: usize = 4_096;

impl Run<'_> {
    /// Counts `rows` handled without an `await`, and past [`YIELD_EVERY_ROWS`] gives the runtime
    /// a turn. Loads that are ready need no turn, so a large answer would otherwise be written
    /// in one stretch of seconds: the time limit (a timer around the whole operation) cannot
    /// stop a future that never returns to the runtime, and the other requests on its worker
    /// thread wait.
    ///
    /// `None` (the plan ends, [`Outcome::Stopped`]) once the operation's deadline has passed.
    async fn worked(&self, rows: usize) -> Option<()> {
        let handled = self.unyielded.fetch_add(rows, Ordering::Relaxed) + rows;
        if handled >= YIELD_EVERY_ROWS {
            self.unyielded.store(0, Ordering::Relaxed);
            self.within_deadline()?;
            tokio::task::yield_now().await;
        }
        Some(())
    }

    /// A statement's result; a failure is logged and ends the plan. A statement the database
    /// stopped at the time limit ends it as [`Outcome::Stopped`], any other as
    /// [`Outcome::Failed`].
    fn succeeded<T>(&self, result: Result<T, LoadError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(AppError::TimedOut) => {
                self.stopped.store(true, Ordering::Relaxed);
                None
            }
            Err(err) => {
                tracing::warn!(error = ?err, "a planned statement failed; the resolvers answer");
                None
            }
        }
    }

    /// One batch of `keys`; `None` (the resolvers answer) when it fails.
    ///
    /// When other plans run at the same time, the batch goes through the plans' `DataLoader`:
    /// concurrent requests asking for the same page (or the same parents' pages) share one
    /// statement. Alone, it runs right here in the request's task: the `DataLoader` would only
    /// add a task and two scheduler turns (about 0.1 ms) with nobody to share them with.
    /// Either way the same loader function answers and the statement is traced as a batch; a
    /// shared statement is counted for the operation whose batch ran it.
    pub async fn load<K>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Option<HashMap<K, <AppLoader as Loader<K>>::Value>>
    where
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        AppLoader: Loader<K, Error = LoadError>,
    {
        let loaded = if self.running.others() {
            self.loader.load_many(keys).await
        } else {
            let keys = distinct(keys);
            if keys.is_empty() {
                return Some(HashMap::new());
            }
            let batch = self.loader.loader().load(&keys);
            batch.instrument(trace::batch()).await
        };
        let loaded = self.succeeded(loaded)?;
        self.within_deadline()?;
        Some(loaded)
    }

    /// `None` (the plan ends, [`Outcome::Stopped`]) once the operation's deadline has passed.
    /// Checked after every load: a synchronous read may answer without returning to the
    /// runtime (`db::sync_reads`), so a plan can go through all its levels without giving the
    /// executor's timer a chance to stop it.
    fn within_deadline(&self) -> Option<()> {
        if self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            self.stopped.store(true, Ordering::Relaxed);
            return None;
        }
        Some(())
    }
}

/// `keys` without repeats (a loader takes each key once, as the `DataLoader` gives them).
fn distinct<K: std::hash::Hash + Eq>(keys: impl IntoIterator<Item = K>) -> Vec<K> {
    keys.into_iter()
        .collect::<HashSet<K>>()
        .into_iter()
        .collect()
}

/// The loader of the planned path when it reads elsewhere than the resolvers (schema data):
/// over the synchronous SQLite reader (`PLANNED_READS=sync`). Without it, plans use the
/// resolvers' loader.
pub struct PlannedLoader(pub DataLoader<AppLoader>);

/// How many plans are running on this server (schema data).
#[derive(Default)]
pub struct PlansRunning(AtomicUsize);

impl PlansRunning {
    /// Counts a plan as running until the guard is dropped.
    pub fn enter(&self) -> impl Drop + '_ {
        self.0.fetch_add(1, Ordering::Relaxed);
        Leaves(&self.0)
    }

    /// True when a plan other than the caller's is running.
    fn others(&self) -> bool {
        self.0.load(Ordering::Relaxed) > 1
    }
}

struct Leaves<'a>(&'a AtomicUsize);

impl Drop for Leaves<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs `plan` into the response's `data`.
pub async fn run(ctx: &ExtensionContext<'_>, plan: &Plan) -> Outcome {
    let (Ok(running), Ok(shared), Ok(db)) = (
        ctx.data::<PlansRunning>(),
        ctx.data::<DataLoader<AppLoader>>(),
        ctx.data::<DatabaseConnection>(),
    ) else {
        return Outcome::Failed;
    };
    let loader = ctx
        .data_opt::<PlannedLoader>()
        .map_or(shared, |planned| &planned.0);
    let _running = running.enter();
    let run = Run {
        loader,
        db,
        running,
        unyielded: AtomicUsize::new(0),
        deadline: operation::deadline(),
        stopped: AtomicBool::new(false),
    };
    // The last stretch of writing comes after the last check: an answer finished past the time
    // limit is not sent as one.
    let data = data(ctx, plan, &run)
        .await
        .filter(|_| run.within_deadline().is_some());
    match data {
        Some(data) => Outcome::Answered(data),
        None if run.stopped.load(Ordering::Relaxed) => Outcome::Stopped,
        None => Outcome::Failed,
    }
}

/// The response's `data` for `plan` as JSON text; `None` when the plan ended early.
async fn data(ctx: &ExtensionContext<'_>, plan: &Plan, run: &Run<'_>) -> Option<Json> {
    let mut data = Vec::with_capacity(plan.fields.len());
    for (_, field) in &plan.fields {
        let value = match field {
            RootField::Typename => Json::string(&ctx.schema_env.registry.query_type)?,
            RootField::Cities(conn) => root(run, conn).await?,
            RootField::Networks(conn) => root(run, conn).await?,
            RootField::Events(conn) => root(run, conn).await?,
            RootField::City(slug, selection) => {
                let found = run.succeeded(by_slug::place(run.db, slug).await)?;
                one(run, selection, found.as_ref()).await?
            }
            RootField::Network(slug, selection) => {
                let found = run.succeeded(by_slug::network(run.db, slug).await)?;
                one(run, selection, found.as_ref()).await?
            }
        };
        data.push(vec![value]);
    }
    json::objects(plan.fields.iter().map(|(key, _)| key), data, 1)?.pop()
}

/// A nullable object at the root.
async fn one<F: FieldKind>(
    run: &Run<'_>,
    selection: &Selection<F>,
    row: Option<&Model<F>>,
) -> Option<Json> {
    match row {
        None => Some(Json::NULL),
        Some(row) => objects(run, selection, &[row]).await?.pop(),
    }
}

/// The objects `selection` makes of `rows`, in their order.
pub async fn objects<F: FieldKind>(
    run: &Run<'_>,
    selection: &Selection<F>,
    rows: &[&Model<F>],
) -> Option<Vec<Json>> {
    let mut members = Vec::with_capacity(selection.len());
    for (_, slot) in selection {
        members.push(match slot {
            Slot::Typename => Member::Row(|_, out| json::write_string(out, F::TYPE)),
            Slot::Field(field) => match field.writer() {
                Some(writer) => Member::Row(writer),
                None => Member::Column(field.column(run, rows).await?.into_iter()),
            },
        });
        run.worked(rows.len()).await?;
    }
    // Written a stretch of rows at a time, each counted as worked: a list of a million rows is
    // seconds of writing in a debug build, which the deadline must be able to stop.
    let mut objects = Vec::with_capacity(rows.len());
    for stretch in rows.chunks(YIELD_EVERY_ROWS) {
        let keys = selection.iter().map(|(key, _)| key);
        objects.extend(json::objects_of(keys, &mut members, stretch)?);
        run.worked(stretch.len()).await?;
    }
    Some(objects)
}

/// A to-one relation: the row each key names (`None`: no row, `null`). A `required` relation
/// (a non-null field) whose row is missing sends the operation to the resolvers, which report
/// it.
pub async fn to_one<F, K>(
    run: &Run<'_>,
    selection: &Selection<F>,
    keys: impl Iterator<Item = Option<K>>,
    required: bool,
) -> Option<Vec<Json>>
where
    F: FieldKind,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    AppLoader: Loader<K, Value = Model<F>, Error = LoadError>,
{
    let keys: Vec<Option<K>> = keys.collect();
    let found = run.load(keys.iter().flatten().cloned()).await?;
    let rows: Vec<Option<&Model<F>>> = keys
        .iter()
        .map(|key| key.as_ref().and_then(|key| found.get(key)))
        .collect();
    if required && rows.iter().any(Option::is_none) {
        tracing::error!("a referenced row is missing");
        return None;
    }
    let present: Vec<&Model<F>> = rows.iter().flatten().copied().collect();
    let mut values = objects(run, selection, &present).await?.into_iter();
    rows.iter()
        .map(|row| match row {
            Some(_) => values.next(),
            None => Some(Json::NULL),
        })
        .collect()
}

/// Counts by key (`totalCount`-like fields), as `Int`s.
pub async fn counts<K>(run: &Run<'_>, keys: Vec<K>) -> Option<Vec<Json>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    AppLoader: Loader<K, Value = u64, Error = LoadError>,
{
    let found = run.load(keys.iter().cloned()).await?;
    Some(
        keys.iter()
            .map(|key| count(found.get(key).copied().unwrap_or(0)))
            .collect(),
    )
}

/// A count as an `Int`, saturating as the resolvers' counts do.
fn count(n: u64) -> Json {
    Json::int(crate::schema::saturating_i32(n))
}

/// A list field of each of `parents`: their pages in one batch, their counts in another.
pub async fn nested<F, R, T>(
    run: &Run<'_>,
    conn: &ConnPlan<F, Nested<R, T>>,
    parents: impl Iterator<Item = i32>,
) -> Option<Vec<Json>>
where
    F: FieldKind,
    R: Relation<Target = F::Entity>,
    T: Term,
{
    let parents: Vec<i32> = parents.collect();
    let Nested { relation, spec } = &conn.list;
    let pages: Vec<Page<Model<F>>> = if conn.needs_rows() {
        let columns = conn.columns();
        let keys: Vec<_> = parents
            .iter()
            .map(|&parent| PageKey {
                relation: *relation,
                parent,
                spec: spec.clone(),
                window: conn.window.clone(),
                columns,
            })
            .collect();
        let mut found = run.load(keys.iter().cloned()).await?;
        // A parent can appear more than once (a place in two networks): its page is cloned for
        // all but its last appearance.
        let mut remaining: HashMap<i32, usize> = HashMap::with_capacity(parents.len());
        for parent in &parents {
            *remaining.entry(*parent).or_default() += 1;
        }
        keys.iter()
            .map(|key| {
                let left = remaining.entry(key.parent).or_default();
                *left = left.saturating_sub(1);
                let rows = if *left == 0 {
                    found.remove(key)
                } else {
                    found.get(key).cloned()
                };
                pagination::cut(&conn.window, rows.unwrap_or_default())
            })
            .collect()
    } else {
        parents.iter().map(|_| empty_page()).collect()
    };
    run.worked(pages.iter().map(|page| page.rows.len()).sum())
        .await?;
    let totals = if conn.needs_total() {
        let keys = parents.iter().map(|&parent| CountKey {
            relation: *relation,
            parent,
            spec: spec.clone(),
        });
        counts(run, keys.collect()).await?
    } else {
        Vec::new()
    };
    connections(run, conn, &pages, totals).await
}

/// A root list: one page of the whole table.
async fn root<F: FieldKind>(
    run: &Run<'_>,
    conn: &ConnPlan<F, ListSpec<impl Term>>,
) -> Option<Json> {
    let spec = &conn.list;
    let rows: Rows<Model<F>> = if conn.needs_rows() {
        let key = RootPageKey::<F::Entity, _> {
            spec: spec.clone(),
            window: conn.window.clone(),
            columns: conn.columns(),
            entity: PhantomData,
        };
        run.load([key])
            .await?
            .into_values()
            .next()
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let totals = if conn.needs_total() {
        let key = RootCountKey::<F::Entity, _> {
            spec: spec.clone(),
            entity: PhantomData,
        };
        counts(run, vec![key]).await?
    } else {
        Vec::new()
    };
    let pages = [pagination::cut(&conn.window, rows)];
    connections(run, conn, &pages, totals).await?.pop()
}

fn empty_page<M>() -> Page<M> {
    Page {
        rows: Vec::new(),
        has_previous: false,
        has_next: false,
    }
}

/// The connection objects of `pages` (one per parent); `totals` holds a count per parent when
/// `totalCount` is selected.
async fn connections<F: FieldKind, L>(
    run: &Run<'_>,
    conn: &ConnPlan<F, L>,
    pages: &[Page<Model<F>>],
    totals: Vec<Json>,
) -> Option<Vec<Json>> {
    let mut columns = Vec::with_capacity(conn.fields.len());
    for (_, slot) in &conn.fields {
        columns.push(match slot {
            ConnSlot::Typename => vec![Json::string(F::CONNECTION)?; pages.len()],
            ConnSlot::TotalCount => totals.clone(),
            ConnSlot::PageInfo(fields) => pages
                .iter()
                .map(|page| page_info(fields, page, &conn.cursors))
                .collect::<Option<_>>()?,
            ConnSlot::Nodes(selection) => {
                let rows: Vec<&Model<F>> = pages
                    .iter()
                    .flat_map(|page| page.rows.iter().map(|row| &row.model))
                    .collect();
                lists(pages, objects(run, selection, &rows).await?)
            }
            ConnSlot::Edges(fields) => {
                lists(pages, edges(run, fields, pages, &conn.cursors).await?)
            }
        });
        run.worked(pages.len()).await?;
    }
    json::objects(conn.fields.iter().map(|(key, _)| key), columns, pages.len())
}

/// The edges of all `pages`, in order.
async fn edges<F: FieldKind>(
    run: &Run<'_>,
    fields: &[(Name, EdgeSlot<F>)],
    pages: &[Page<Model<F>>],
    cursors: &Cursors,
) -> Option<Vec<Json>> {
    let rows: Vec<_> = pages.iter().flat_map(|page| page.rows.iter()).collect();
    let mut columns = Vec::with_capacity(fields.len());
    for (_, slot) in fields {
        columns.push(match slot {
            EdgeSlot::Typename => vec![Json::string(F::EDGE)?; rows.len()],
            EdgeSlot::Cursor => rows
                .iter()
                .map(|row| Json::string(&cursors.encode(&row.position)))
                .collect::<Option<_>>()?,
            EdgeSlot::Node(selection) => {
                let models: Vec<&Model<F>> = rows.iter().map(|row| &row.model).collect();
                objects(run, selection, &models).await?
            }
        });
        run.worked(rows.len()).await?;
    }
    json::objects(fields.iter().map(|(key, _)| key), columns, rows.len())
}

/// Splits the values of all pages' rows into one list per page.
fn lists<M>(pages: &[Page<M>], values: Vec<Json>) -> Vec<Json> {
    let mut values = values.into_iter();
    pages
        .iter()
        .map(|page| Json::list(values.by_ref().take(page.rows.len())))
        .collect()
}

fn page_info<M>(
    fields: &[(Name, PageInfoSlot)],
    page: &Page<M>,
    cursors: &Cursors,
) -> Option<Json> {
    let cursor = |row: Option<&page::Row<M>>| {
        row.map_or(Some(Json::NULL), |row| {
            Json::string(&cursors.encode(&row.position))
        })
    };
    let values = fields
        .iter()
        .map(|(_, slot)| {
            Some(vec![match slot {
                PageInfoSlot::Typename => Json::string("PageInfo")?,
                PageInfoSlot::HasNextPage => Json::boolean(page.has_next),
                PageInfoSlot::HasPreviousPage => Json::boolean(page.has_previous),
                PageInfoSlot::StartCursor => cursor(page.rows.first())?,
                PageInfoSlot::EndCursor => cursor(page.rows.last())?,
            }])
        })
        .collect::<Option<Vec<_>>>()?;
    json::objects(fields.iter().map(|(key, _)| key), values, 1)?.pop()
}
