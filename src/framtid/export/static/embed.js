// framtid export: the embed code names this site's own address. The page (possibly from the
// page cache, rendered for another Host) carries only the path; here the browser puts the
// address it actually uses in front, and hides the note that asks people to do it by hand.
for (const box of document.querySelectorAll("textarea[data-embed-path]")) {
  box.value = box.value.replace(`src="${box.dataset.embedPath}`, `src="${location.origin}${box.dataset.embedPath}`);
  box.dataset.embedOrigin = location.origin;
  const note = document.getElementById(`${box.id}-note`);
  if (note) note.hidden = true;
}
