-- Schema version 2: what a set of an exercise records (weight_reps, reps, assisted,
-- duration, distance_duration). Custom exercises synced by version-1 clients keep a null
-- (read as weight_reps); the library states it for every entry.
alter table custom_exercises add column tracking text;
alter table exercises add column tracking text not null default 'weight_reps';
