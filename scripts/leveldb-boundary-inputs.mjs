/**
 * The compaction fix scripts/build-leveldb.mjs applies to classic-level's LevelDB 1.20
 * (google/leveldb#320; LevelDB fixed it in 1.21). Written for colonynet from the issue's
 * description of the rule, as an edit of db/version_set.cc:
 *
 * A level above 0 keeps its files disjoint by internal key, not by user key: when a
 * snapshot keeps several versions of one user key, a compaction's output may end one file
 * with the newer versions and start the next with the older ones. A later compaction that
 * takes the first file alone moves the newer versions down a level, and a read then finds
 * the older versions first, in the level above. Likewise a compaction that takes, from the
 * level below, the file ending with a key's deletion but not the next file (the key's older
 * versions) drops the deletion at the bottom level, and the value it deleted comes back.
 * So before a compaction's inputs at either of its two levels are final, each file of that
 * level whose smallest key has the user key the inputs end with (and is ordered after it)
 * joins them, until none does.
 */
export const PATCH_ID = 'boundary-inputs-2'

const HELPERS = `// colonynet ${PATCH_ID}: see scripts/leveldb-boundary-inputs.mjs
static FileMetaData* ColonynetNextSameUserKeyFile(const InternalKeyComparator& icmp,
    const std::vector<FileMetaData*>& level_files, const InternalKey& end) {
  FileMetaData* found = NULL;
  for (size_t i = 0; i < level_files.size(); i++) {
    FileMetaData* f = level_files[i];
    if (icmp.Compare(f->smallest, end) <= 0) continue;
    if (icmp.user_comparator()->Compare(f->smallest.user_key(), end.user_key()) != 0) continue;
    if (found == NULL || icmp.Compare(f->smallest, found->smallest) < 0) found = f;
  }
  return found;
}

static void ColonynetAddBoundaryInputs(const InternalKeyComparator& icmp,
    const std::vector<FileMetaData*>& level_files, std::vector<FileMetaData*>* inputs) {
  if (inputs->empty()) return;
  InternalKey end = (*inputs)[0]->largest;
  for (size_t i = 1; i < inputs->size(); i++) {
    if (icmp.Compare((*inputs)[i]->largest, end) > 0) end = (*inputs)[i]->largest;
  }
  for (;;) {
    FileMetaData* next = ColonynetNextSameUserKeyFile(icmp, level_files, end);
    if (next == NULL) return;
    inputs->push_back(next);
    end = next->largest;
  }
}

`

// where the inputs of a compaction at `level` are settled (automatic and manual alike),
// where it takes the files of level+1 they overlap, and where both sets grow
const SETUP = 'void VersionSet::SetupOtherInputs(Compaction* c) {\n  const int level = c->level();\n'
const NEXT = '  current_->GetOverlappingInputs(level+1, &smallest, &largest, &c->inputs_[1]);\n'
const EXPAND0 = '    current_->GetOverlappingInputs(level, &all_start, &all_limit, &expanded0);\n'
const EXPAND1 = '      current_->GetOverlappingInputs(level+1, &new_start, &new_limit,\n                                     &expanded1);\n'

/** The patched text of version_set.cc, or undefined when it is not the source expected. */
export function patchVersionSet (text) {
  if (text.includes(`colonynet ${PATCH_ID}`)) return text
  if (text.includes('colonynet boundary-inputs-')) return undefined
  if (![SETUP, NEXT, EXPAND0, EXPAND1].every(anchor => text.split(anchor).length === 2)) return undefined
  return text
    .replace(SETUP, HELPERS + SETUP + '  ColonynetAddBoundaryInputs(icmp_, current_->files_[level], &c->inputs_[0]);\n')
    .replace(NEXT, NEXT + '  ColonynetAddBoundaryInputs(icmp_, current_->files_[level+1], &c->inputs_[1]);\n')
    .replace(EXPAND0, EXPAND0 + '    ColonynetAddBoundaryInputs(icmp_, current_->files_[level], &expanded0);\n')
    .replace(EXPAND1, EXPAND1 + '      ColonynetAddBoundaryInputs(icmp_, current_->files_[level+1], &expanded1);\n')
}
